import type { Context } from 'koa';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import type { Ctx } from '../../http/context.ts';
import type { BrowserCookies } from '../signin/cookies.ts';
import type { IdpSession, SessionStore } from '../signin/session.ts';
import type { SignOutHooks } from '../signin/sign-out.ts';
import type { StoreAdapter } from './adapter.ts';
import { latchContexts } from './deps.ts';

// One session, both ways. Signing out of Latch (the account page, a SAML LogoutRequest) ends the
// oidc-provider sessions that hold the IdP session's OIDC sign-ins: each client that registered a
// back-channel logout URI is told, and the grants (with their tokens) are revoked. Signing out
// through a relying party (RP-initiated logout, "Yes, sign me out") ends Latch's IdP session too,
// and the other front ends' hooks run before the browser goes back to the relying party.

interface OpSession {
  uid: string;
  jti: string;
  accountId?: string;
  authorizations?: Record<string, { sid?: string; grantId?: string }>;
  destroy(): Promise<void>;
}
interface OpClient {
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid: string | undefined): Promise<unknown>;
}
interface ProviderInternals {
  Session: { get(ctx: Context): Promise<OpSession>; findByUid(uid: string): Promise<OpSession | undefined> };
  Client: { find(id: string): Promise<OpClient | undefined> };
  cookieName(type: 'session'): string;
}

export type Warn = (detail: Record<string, unknown>, message: string) => void;

/**
 * A Latch sign-out hook: ends this browser's oidc-provider session and those the ended IdP session
 * recorded (policy.ts binds them, so a SAML logout that arrives without cookies still finds them).
 */
export function endProviderSessions(provider: Provider, grants: StoreAdapter, warn: Warn) {
  const op = provider as unknown as ProviderInternals;
  return async (ctx: Ctx, session: IdpSession): Promise<void> => {
    const browser = await op.Session.get(ctx as unknown as Context);
    const ending = await linkedSessions(op, session);
    if (browser.accountId) ending.set(browser.jti, browser);
    for (const opSession of ending.values()) await endOne(op, grants, opSession, warn);
    if (ending.has(browser.jti)) {
      const opCtx = provider.createContext(ctx.req, ctx.res);
      opCtx.cookies.set(op.cookieName('session'), null, { signed: true, httpOnly: true, sameSite: 'lax' });
    }
  };
}

/**
 * Without a browser (the console signs a user out everywhere): ends the oidc-provider sessions an
 * ended IdP session recorded, revoking their grants and telling clients over the back channel.
 */
export function endRecordedSessions(provider: Provider, grants: StoreAdapter, warn: Warn) {
  const op = provider as unknown as ProviderInternals;
  return async (session: IdpSession): Promise<void> => {
    for (const opSession of (await linkedSessions(op, session)).values()) await endOne(op, grants, opSession, warn);
  };
}

/** The oidc-provider sessions an IdP session recorded (policy.ts binds them), by jti. */
async function linkedSessions(op: ProviderInternals, session: IdpSession): Promise<Map<string, OpSession>> {
  const linked = await Promise.all(
    Object.values(session.apps).map((app) => {
      const uid = app.protocol === 'oidc' ? (app.data as { opSession?: unknown } | undefined)?.opSession : undefined;
      return typeof uid === 'string' ? op.Session.findByUid(uid) : undefined;
    }),
  );
  const ending = new Map<string, OpSession>();
  for (const found of linked) if (found?.accountId === session.user.id) ending.set(found.jti, found);
  return ending;
}

async function endOne(op: ProviderInternals, grants: StoreAdapter, session: OpSession, warn: Warn): Promise<void> {
  for (const [clientId, { sid, grantId }] of Object.entries(session.authorizations ?? {})) {
    const client = await op.Client.find(clientId);
    if (client?.backchannelLogoutUri) {
      await client
        .backchannelLogout(session.accountId!, sid)
        .catch((err: Error) => warn({ clientId, err: err.message }, 'back-channel logout failed'));
    }
    if (grantId) {
      await grants.revokeByGrantId(grantId);
      await grants.destroy(grantId);
    }
  }
  await session.destroy();
}

/**
 * After a relying party's logout that the user confirmed, ends Latch's IdP session in this browser
 * and runs the other front ends' sign-out hooks; one that takes the browser (SAML front-channel
 * logout) brings it back to where oidc-provider was sending it (the post-logout URI) at the end.
 */
export function endLatchSessionOnRpLogout(
  provider: Provider,
  sessions: SessionStore,
  cookies: BrowserCookies,
  signOut: SignOutHooks,
): void {
  const confirmed = new WeakSet<object>();
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    if (ctx.oidc.params?.logout) confirmed.add(ctx.req);
  });
  provider.use(async (ctx, next) => {
    await next();
    if (!confirmed.has(ctx.req)) return;
    const latch = latchContexts.get(ctx.req) as Ctx | undefined;
    if (!latch) return;
    const session = await sessions.fromCookie(cookies.session(latch));
    cookies.clearSession(latch);
    if (!session) return;
    await sessions.end(session.sid);
    await signOut.run(latch, session, { except: 'oidc', returnTo: ctx.response.get('Location') || undefined });
    // Latch's context does not respond (oidc-provider does): a hook's answer (which sets its
    // status explicitly) is handed over. Both write to the same response, so its headers are there.
    if (latch.body !== undefined) {
      const { status, type, body } = latch;
      ctx.status = status;
      ctx.type = type;
      ctx.body = body;
      if (status < 300 || status >= 400) ctx.remove('Location');
    }
  });
}
