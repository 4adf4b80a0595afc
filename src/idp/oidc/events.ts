import type { Provider, KoaContextWithOIDC } from 'oidc-provider';
import type { AuthEvent } from '../../authn/auth-log.ts';
import { REFUSAL_REASONS } from '../../directory/account-check.ts';
import type { OnRefused } from './account.ts';
import { latchContexts } from './deps.ts';

// oidc-provider's events into Latch's authentication log: every refused OIDC request (wrong client
// credentials, replayed code, PKCE mismatch, reused refresh token, bad redirect URI…) and every
// token issued, with the client, the user when known, and the browser or client address.

export interface AuthLogSink {
  record(entry: AuthEvent): Promise<void>;
}

interface OidcError {
  error?: string;
  error_description?: string;
  error_detail?: string;
  message?: string;
  cause?: { message?: string };
}

const FAILURES: Array<[event: string, name: string]> = [
  ['authorization.error', 'oidc-authorization'],
  ['grant.error', 'oidc-token'],
  ['userinfo.error', 'oidc-userinfo'],
  ['revocation.error', 'oidc-revocation'],
  ['end_session.error', 'oidc-logout'],
  ['backchannel.error', 'oidc-backchannel-logout'],
  ['server_error', 'oidc-server-error'],
];

export function logProviderEvents(provider: Provider, authLog: AuthLogSink, onLogError: (err: unknown) => void): void {
  const write = (entry: AuthEvent) => void authLog.record(entry).catch(onLogError);

  for (const [event, name] of FAILURES) {
    provider.on(event, (ctx: KoaContextWithOIDC, err: OidcError) => {
      const reason = [err.error ?? err.message ?? 'error', err.error_description, err.error_detail, err.cause?.message]
        .filter(Boolean)
        .join(': ');
      write({ event: name, result: 'failure', reason, ...who(ctx) });
    });
  }
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const grantType = typeof ctx.oidc.params?.grant_type === 'string' ? ctx.oidc.params.grant_type : 'unknown';
    write({ event: 'oidc-token', result: 'success', reason: `tokens issued (${grantType})`, ...who(ctx) });
  });
  provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => {
    write({
      event: 'oidc-grant',
      result: 'revoked',
      reason: `grant ${grantId.slice(0, 8)}… and its tokens revoked`,
      ...who(ctx),
    });
  });
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    write({ event: 'oidc-logout', result: 'success', reason: 'signed out through the relying party', ...who(ctx) });
  });
}

/** A request refused because its account may no longer be used, under its endpoint's event name. */
export function logRefusedAccounts(authLog: AuthLogSink): OnRefused {
  return (ctx, userId, refusal) => {
    // oidc-token, oidc-userinfo, oidc-authorization: the names of the endpoints' other entries.
    const event = `oidc-${typeof ctx.oidc?.route === 'string' ? ctx.oidc.route : 'request'}`;
    const reason = REFUSAL_REASONS[refusal.reason];
    return authLog.record({ event, result: 'denied', reason, ...who(ctx), user: refusal.user?.username, userId });
  };
}

function who(ctx: KoaContextWithOIDC | undefined): Pick<AuthEvent, 'app' | 'userId' | 'ip' | 'userAgent'> {
  if (!ctx?.oidc) return {};
  const latch = latchContexts.get(ctx.req);
  const clientId =
    ctx.oidc.client?.clientId ??
    (typeof ctx.oidc.params?.client_id === 'string' ? ctx.oidc.params.client_id : undefined);
  const account = ctx.oidc.entities.Account;
  return {
    app: clientId,
    userId: account?.accountId ?? ctx.oidc.session?.accountId,
    ip: (latch?.state as { clientIp?: string } | undefined)?.clientIp ?? ctx.ip,
    userAgent: (ctx.get('user-agent') || 'unknown').slice(0, 300),
  };
}
