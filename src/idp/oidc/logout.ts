import type { Context } from 'koa';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import type { Ctx } from '../../http/context.ts';
import type { BrowserCookies } from '../browser.ts';
import type { SessionStore } from '../session.ts';
import type { StoreAdapter } from './adapter.ts';
import { latchContexts } from './deps.ts';

// One session, both ways. Signing out of Latch (the account page, later SAML logout) ends
// oidc-provider's session in that browser: each client that registered a back-channel logout URI
// is told, and the grants (with their tokens) are revoked. Signing out through a relying party
// (RP-initiated logout, "Yes, sign me out") ends Latch's IdP session too.

interface OpSession {
  accountId?: string;
  authorizations?: Record<string, { sid?: string; grantId?: string }>;
  destroy(): Promise<void>;
}
interface OpClient {
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid: string | undefined): Promise<unknown>;
}
interface ProviderInternals {
  Session: { get(ctx: Context): Promise<OpSession> };
  Client: { find(id: string): Promise<OpClient | undefined> };
  cookieName(type: 'session'): string;
}

export type Warn = (detail: Record<string, unknown>, message: string) => void;

/** A Latch sign-out hook: ends oidc-provider's session of this browser and tells the clients. */
export function endProviderSession(provider: Provider, grants: StoreAdapter, warn: Warn) {
  const op = provider as unknown as ProviderInternals;
  return async (ctx: Ctx): Promise<void> => {
    const session = await op.Session.get(ctx as unknown as Context);
    if (!session.accountId) return;
    for (const [clientId, { sid, grantId }] of Object.entries(session.authorizations ?? {})) {
      const client = await op.Client.find(clientId);
      if (client?.backchannelLogoutUri) {
        await client.backchannelLogout(session.accountId, sid).catch((err: Error) => warn({ clientId, err: err.message }, 'back-channel logout failed'));
      }
      if (grantId) {
        await grants.revokeByGrantId(grantId);
        await grants.destroy(grantId);
      }
    }
    await session.destroy();
    const opCtx = provider.createContext(ctx.req, ctx.res);
    opCtx.cookies.set(op.cookieName('session'), null, { signed: true, httpOnly: true, sameSite: 'lax' });
  };
}

/** After a relying party's logout that the user confirmed, ends Latch's IdP session in this browser. */
export function endLatchSessionOnRpLogout(provider: Provider, sessions: SessionStore, cookies: BrowserCookies): void {
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
    if (session) await sessions.end(session.sid);
    cookies.clearSession(latch);
  });
}
