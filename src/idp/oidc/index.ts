import type { Provider } from 'oidc-provider';
import type { Logger } from 'pino';
import type { AuthLog } from '../../authn/auth-log.ts';
import type { LatchConfig } from '../../config/schema.ts';
import type { AccountStatus } from '../../directory/account-check.ts';
import type { CsrfTokens } from '../../http/csrf.ts';
import type { Middleware } from '../../http/context.ts';
import type { Route } from '../../http/route.ts';
import type { KeyRing } from '../../keys/contract.ts';
import type { Store } from '../../store/contract.ts';
import { hmac } from '../../util/random.ts';
import type { BrowserCookies } from '../signin/cookies.ts';
import type { SessionStore } from '../signin/session.ts';
import type { SignOutHooks } from '../signin/sign-out.ts';
import type { FrontEndSignIn } from '../signin/service.ts';
import { CookieSigner } from './cookie-signer.ts';
import { ClientRegistry } from './deps.ts';
import { logProviderEvents, logRefusedAccounts } from './events.ts';
import { interactionRoutes } from './interactions.ts';
import { endLatchSessionOnRpLogout, endProviderSessions } from './logout.ts';
import { followKeyRotation } from './keystore.ts';
import { mountProvider } from './mount.ts';
import { adapterOptions, createProvider } from './provider.ts';
import { storeAdapterFactory } from './adapter.ts';

// The OIDC front end, assembled: oidc-provider (mounted at /oidc/ and discovery), Latch's
// interaction routes, the authentication log, and logout in both directions.

export interface OidcDeps {
  config: LatchConfig;
  log: Logger;
  store: Store;
  keys: KeyRing;
  /** Whether an account that signed in may still be used (AccountCheck). */
  accounts: { check(userId: string): Promise<AccountStatus> };
  signIn: FrontEndSignIn;
  /** Run when a relying party's logout ends the IdP session (the other front ends' hooks). */
  signOut: SignOutHooks;
  sessions: SessionStore;
  cookies: BrowserCookies;
  csrf: CsrfTokens;
  authLog: AuthLog;
  serverSecret: Buffer;
}

export interface OidcFrontEnd {
  provider: Provider;
  /** oidc-provider's endpoints; put before Latch's routers. */
  middleware: Middleware;
  routes: Route[];
  /** Latch's OIDC sign-out hook: ends the OIDC side of an IdP session that has ended. */
  signOut: ReturnType<typeof endProviderSessions>;
}

export async function createOidc(deps: OidcDeps): Promise<OidcFrontEnd> {
  const { config, log } = deps;
  const clients = new ClientRegistry(config.oidc.clients);
  const adapter = storeAdapterFactory(deps.store, adapterOptions(config.oidc));
  const provider = await createProvider({
    issuer: config.server.baseUrl,
    config: config.oidc,
    jwks: deps.keys.privateJwks(),
    adapter,
    checkAccount: (id) => deps.accounts.check(id),
    onAccountRefused: logRefusedAccounts(deps.authLog),
    signIn: deps.signIn,
    sessions: deps.sessions,
    clients,
    cookieKeys: new CookieSigner([hmac(deps.serverSecret, 'oidc-provider cookies')]),
    sessionTtlMs: config.session.absoluteTimeout,
    interactionTtlMs: config.signIn.transactionLifetime,
    trustProxy: config.server.trustedProxies.length > 0,
  });
  followKeyRotation(provider, deps.keys);
  provider.on('error', (err: Error) => log.error({ err }, 'oidc-provider error'));
  provider.on('server_error', (_ctx: unknown, err: Error) => log.error({ err }, 'oidc-provider server error'));
  logProviderEvents(provider, deps.authLog, (err) => log.error({ err }, 'authentication log write failed'));
  endLatchSessionOnRpLogout(provider, deps.sessions, deps.cookies, deps.signOut);
  return {
    provider,
    middleware: mountProvider(provider),
    routes: interactionRoutes({ provider, signIn: deps.signIn, clients, csrf: deps.csrf, maxBodyBytes: config.server.maxBodyBytes }),
    signOut: endProviderSessions(provider, adapter('Grant'), (detail, message) => log.warn(detail, message)),
  };
}
