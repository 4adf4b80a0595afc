import type { Context } from 'koa';
import { levelSatisfies, type SignInOutcome, type SignInRequest, type SignInResult } from '../../authn/contract.ts';
import type { SignInFlow } from '../../authn/flow.ts';
import type { TransactionStore } from '../../authn/transaction.ts';
import type { Ctx } from '../../http/context.ts';
import type { BrowserCookies } from './cookies.ts';
import type { LiveSessions } from './live-session.ts';
import type { IdpSession, SessionStore } from './session.ts';

// What protocol front ends call to sign a browser in. Single sign-on happens here: a live IdP
// session that meets the request's constraints and the application's policy ends the sign-in at
// once; otherwise the browser goes to the prompt and comes back to the front end's continuation.
// The session is re-checked against the directory first (live-session.ts): a disabled or deleted
// account's session ends there, and policy judges the user's groups of now.

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

export class SignInService implements FrontEndSignIn {
  constructor(
    private readonly flow: SignInFlow,
    private readonly transactions: TransactionStore,
    private readonly sessions: SessionStore,
    private readonly cookies: BrowserCookies,
    private readonly live: LiveSessions,
  ) {}

  /** Whether an existing session answers this request without a prompt. */
  async sessionAnswers(session: IdpSession, request: SignInRequest): Promise<boolean> {
    const { constraints } = request;
    if (constraints.forceAuthn) return false;
    if (constraints.maxAgeMs !== undefined && Date.now() - session.authTime > constraints.maxAgeMs) return false;
    if (!levelSatisfies(session.level, constraints.acceptableLevels)) return false;
    return this.flow.reusable(request.app.id, session.user, session.level, session.factors);
  }

  async start(koaCtx: Context, request: SignInRequest): Promise<SignInOutcome | undefined> {
    const ctx = koaCtx as Ctx;
    const cookie = this.cookies.session(ctx);
    const session = await this.live.current(ctx, request.app.id);
    if (session && (await this.sessionAnswers(session, request))) {
      if (!session.apps[request.app.id]) await this.sessions.recordApp(session.sid, request.app);
      return { kind: 'done', result: resultFromSession(session, request) };
    }
    if (request.constraints.passive) {
      return { kind: 'failed', failure: 'login-required', app: request.app, continuation: request.continuation };
    }
    const tx = await this.flow.begin(request, {
      login: request.constraints.loginHint ?? (session && !request.constraints.forceAuthn ? session.user.username : undefined),
      // A cross-site POST (SAML POST binding) arrives without the SameSite=Lax session cookie; the
      // prompt looks again once the browser is back on our own pages.
      checkSessionOnView: !cookie && ctx.method === 'POST',
    });
    ctx.redirect(`/login?tx=${tx.id}`);
    return undefined;
  }

  async finish(koaCtx: Context): Promise<SignInOutcome | undefined> {
    const ctx = koaCtx as Ctx;
    const id = typeof ctx.query.tx === 'string' ? ctx.query.tx : '';
    const loaded = await this.transactions.load(id);
    if (!loaded?.tx.outcome) return undefined;
    const binding = this.cookies.flowBindingHash(ctx);
    if (!binding || binding !== loaded.tx.bindHash) return undefined;
    await this.transactions.delete(id);
    return loaded.tx.outcome;
  }
}
