import type { Context } from 'koa';
import { levelSatisfies, type SignInOutcome, type SignInRequest, type SignInResult } from '../../authn/contract.ts';
import type { SignInFlow } from '../../authn/flow.ts';
import type { KnownDevices } from '../../authn/known-device.ts';
import type { BrowserContext } from '../../authn/step.ts';
import type { LoginTransaction, TransactionStore } from '../../authn/transaction.ts';
import type { Ctx } from '../../http/context.ts';
import { sha256 } from '../../util/random.ts';
import type { BrowserCookies } from './cookies.ts';
import type { LiveSessions } from './live-session.ts';
import type { IdpSession, SessionApp, SessionStore } from './session.ts';

// The sign-in hand-off, in one place: front ends start a sign-in here and pick up its outcome
// here; in between the prompt (prompt.ts) runs the flow on a transaction that this browser owns,
// and completes it here. Single sign-on happens at the start: a live IdP session that meets the
// request's constraints and the application's policy ends the sign-in at once. The session is
// re-checked against the directory first (live-session.ts): a disabled or deleted account's
// session ends there, and policy judges the user's groups of now.

export interface FrontEndSignIn {
  /**
   * Starts a sign-in for this browser. Returns an outcome at once when it can end without a prompt
   * (SSO from the IdP session, or a passive request that cannot); otherwise redirects the browser
   * to the prompt and returns undefined. When the sign-in ends, the browser comes back to
   * continuation.returnPath with ?tx=<id>.
   */
  start(ctx: Context, request: SignInRequest): Promise<SignInOutcome | undefined>;
  /** At continuation.returnPath: the outcome of the finished sign-in, once (undefined when unknown, expired, or another browser's). */
  finish(ctx: Context): Promise<SignInOutcome | undefined>;
}

export function resultFromSession(session: IdpSession, request: SignInRequest): SignInResult {
  return {
    user: session.user,
    authTime: session.authTime,
    level: session.level,
    amr: session.amr,
    methods: session.methods,
    sessionId: session.sid,
    app: request.app,
    continuation: request.continuation,
  };
}

/** A transaction that belongs to this browser, with the binding value its forms are tied to. */
export type Owned =
  { ok: true; tx: LoginTransaction; version: number; binding: string } | { ok: false; reason: 'expired' | 'foreign' };

export interface SignInServiceDeps {
  flow: SignInFlow;
  transactions: TransactionStore;
  sessions: SessionStore;
  cookies: BrowserCookies;
  liveSessions: LiveSessions;
  knownDevices: KnownDevices;
}

export class SignInService implements FrontEndSignIn {
  constructor(private readonly deps: SignInServiceDeps) {}

  /** Whether an existing session answers this request without a prompt. */
  async sessionAnswers(session: IdpSession, request: SignInRequest, browser?: BrowserContext): Promise<boolean> {
    const { constraints } = request;
    if (constraints.forceAuthn) return false;
    if (constraints.maxAgeMs !== undefined && Date.now() - session.authTime > constraints.maxAgeMs) return false;
    if (!levelSatisfies(session.level, constraints.acceptableLevels)) return false;
    return this.deps.flow.reusable(request.app.id, session.user, session.level, session.factors, browser);
  }

  async start(koaCtx: Context, request: SignInRequest): Promise<SignInOutcome | undefined> {
    const ctx = koaCtx as Ctx;
    const cookie = this.deps.cookies.session(ctx);
    const session = await this.deps.liveSessions.current(ctx, request.app.id);
    if (session && (await this.sessionAnswers(session, request, this.deps.cookies.context(ctx)))) {
      if (!session.apps[request.app.id]) await this.deps.sessions.recordApp(session.sid, request.app);
      return { kind: 'done', result: { ...resultFromSession(session, request), sessionApps: session.apps } };
    }
    if (request.constraints.passive) {
      return { kind: 'failed', failure: 'login-required', app: request.app, continuation: request.continuation };
    }
    const tx = await this.deps.flow.begin(request, {
      login:
        request.constraints.loginHint ??
        (session && !request.constraints.forceAuthn ? session.user.username : undefined),
      // A cross-site POST (SAML POST binding) arrives without the SameSite=Lax session cookie; the
      // prompt looks again once the browser is back on our own pages.
      checkSessionOnView: !cookie && ctx.method === 'POST',
    });
    ctx.redirect(`/login?tx=${tx.id}`);
    return undefined;
  }

  async finish(koaCtx: Context): Promise<SignInOutcome | undefined> {
    const owned = await this.owned(koaCtx as Ctx);
    if (!owned.ok || !owned.tx.outcome) return undefined;
    await this.deps.transactions.delete(owned.tx.id);
    return owned.tx.outcome;
  }

  /**
   * The transaction named by ?tx=, when it belongs to this browser: its binding cookie's hash is
   * in the transaction. With `claim`, the first browser to look at an unclaimed transaction (the
   * prompt's first view) binds it to itself.
   */
  async owned(ctx: Ctx, claim = false): Promise<Owned> {
    const loaded = await this.deps.transactions.load(typeof ctx.query.tx === 'string' ? ctx.query.tx : '');
    if (!loaded) return { ok: false, reason: 'expired' };
    const binding = this.deps.cookies.flowBinding(ctx, claim && !loaded.tx.bindHash);
    if (!binding) return { ok: false, reason: 'foreign' };
    const bindHash = sha256(binding);
    if (loaded.tx.bindHash === bindHash) return { ok: true, ...loaded, binding };
    if (loaded.tx.bindHash || !claim) return { ok: false, reason: 'foreign' };
    if (!(await this.deps.transactions.save({ ...loaded.tx, bindHash }, loaded.version)))
      return { ok: false, reason: 'foreign' };
    const reloaded = await this.deps.transactions.load(loaded.tx.id);
    return reloaded?.tx.bindHash === bindHash ? { ok: true, ...reloaded, binding } : { ok: false, reason: 'foreign' };
  }

  /**
   * For a transaction started by a cross-site POST (no session cookie then): whether this
   * browser's session answers it after all. If so the transaction is done; false when the prompt
   * is needed.
   */
  async answerFromSession(ctx: Ctx, tx: LoginTransaction): Promise<boolean> {
    const session = await this.deps.liveSessions.current(ctx, tx.request.app.id);
    const answered =
      session !== undefined && (await this.sessionAnswers(session, tx.request, this.deps.cookies.context(ctx)));
    await this.setOutcome(tx.id, (t) => ({
      ...t,
      checkSessionOnView: false,
      outcome: answered ? { kind: 'done', result: resultFromSession(session, t.request) } : t.outcome,
    }));
    if (session && answered && !session.apps[tx.request.app.id])
      await this.deps.sessions.recordApp(session.sid, tx.request.app);
    return answered;
  }

  /**
   * "Done": the IdP session is written (a new id every sign-in, holding the applications of this
   * browser's earlier session of the same user and this one, in one write), a browser that used a
   * second factor is marked known for the user, and the front end gets its outcome. Returns where
   * the browser goes next; undefined when the transaction is not completed.
   */
  async complete(ctx: Ctx, tx: LoginTransaction): Promise<string | undefined> {
    const { user, completed } = tx;
    if (!user || !completed) return undefined;
    if (tx.identifiedBy) return this.completeIdentified(tx, user, completed);
    const previous = await this.deps.sessions.fromCookie(this.deps.cookies.session(ctx));
    if (previous) await this.deps.sessions.end(previous.sid);
    const apps: Record<string, SessionApp> = previous?.user.id === user.id ? { ...previous.apps } : {};
    const { app } = tx.request;
    apps[app.id] = {
      ...apps[app.id],
      protocol: app.protocol,
      name: app.name,
      firstAt: apps[app.id]?.firstAt ?? Date.now(),
    };
    const init = {
      user,
      authTime: completed.authTime,
      level: completed.level,
      amr: tx.amr,
      methods: tx.methods,
      factors: tx.factors,
    };
    const { session, cookieValue } = await this.deps.sessions.create(init, apps);
    this.deps.cookies.setSession(ctx, cookieValue);
    if (completed.level !== 'password')
      await this.deps.knownDevices.markVerified(this.deps.cookies.ensureDevice(ctx), user);
    const done = await this.setOutcome(tx.id, (t) => ({
      ...t,
      outcome: { kind: 'done', result: resultFromSession(session, t.request) },
    }));
    return done ? `${tx.request.continuation.returnPath}?tx=${tx.id}` : undefined;
  }

  /**
   * A sign-in whose user the application identified (the Universal Prompt): Latch checked no
   * password, so it writes no IdP session and marks no browser known; the front end gets the
   * outcome, and only it.
   */
  private async completeIdentified(
    tx: LoginTransaction,
    user: NonNullable<LoginTransaction['user']>,
    completed: NonNullable<LoginTransaction['completed']>,
  ): Promise<string | undefined> {
    const result: SignInResult = {
      user,
      authTime: completed.authTime,
      level: completed.level,
      amr: tx.amr,
      methods: tx.methods,
      sessionId: '',
      app: tx.request.app,
      continuation: tx.request.continuation,
    };
    const done = await this.setOutcome(tx.id, (t) => ({ ...t, outcome: { kind: 'done', result } }));
    return done ? `${tx.request.continuation.returnPath}?tx=${tx.id}` : undefined;
  }

  private async setOutcome(id: string, change: (tx: LoginTransaction) => LoginTransaction): Promise<boolean> {
    const loaded = await this.deps.transactions.load(id);
    return loaded !== undefined && (await this.deps.transactions.save(change(loaded.tx), loaded.version));
  }
}
