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
import { endLatchSessionOnRpLogout, endProviderSessions, endRecordedSessions } from './logout.ts';
import { followKeyRotation } from './keystore.ts';
import { mountProvider } from './mount.ts';
import { adapterOptions, createProvider } from './provider.ts';
import { storeAdapterFactory } from './adapter.ts';
import { ManagedClients } from './managed-clients.ts';
import { SecretBox } from '../../keys/secret-box.ts';
import type { OidcClientConfig } from '../../config/oidc.ts';
import type { Unsubscribe } from '../../store/contract.ts';

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
  /** Relying parties from the config and the console. */
  clients: ClientRegistry;
  /** The console's clients, as stored. */
  managed: ManagedClients;
  /** `listener` gets the console's clients after every reload (policy layers follow them). */
  onReload(listener: (managed: OidcClientConfig[]) => void): void;
  /** Reads the console's clients again (after a change on this node; other nodes hear of it). */
  reload(): Promise<void>;
  close(): Promise<void>;
  /** oidc-provider's endpoints; put before Latch's routers. */
  middleware: Middleware;
  routes: Route[];
  /** Latch's OIDC sign-out hook: ends the OIDC side of an IdP session that has ended. */
  signOut: ReturnType<typeof endProviderSessions>;
  /** The same without a browser: the console signing a user out everywhere. */
  endRecorded: ReturnType<typeof endRecordedSessions>;
}

export async function createOidc(deps: OidcDeps): Promise<OidcFrontEnd> {
  const { config, log } = deps;
  const clients = new ClientRegistry(config.oidc.clients);
  const managed = new ManagedClients(deps.store, new SecretBox(deps.serverSecret));
  const stored = storeAdapterFactory(deps.store, adapterOptions(config.oidc));
  const clientStorage = managed.adapter();
  const adapter = (model: string) => (model === 'Client' ? clientStorage : stored(model));
  const live = await watchManagedClients(managed, clients, log);
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
    routes: interactionRoutes({
      provider,
      signIn: deps.signIn,
      clients,
      csrf: deps.csrf,
      maxBodyBytes: config.server.maxBodyBytes,
    }),
    signOut: endProviderSessions(provider, stored('Grant'), (detail, message) => log.warn(detail, message)),
    endRecorded: endRecordedSessions(provider, stored('Grant'), (detail, message) => log.warn(detail, message)),
    clients,
    managed,
    ...live,
  };
}

/** Every node reads the console's clients at start, on every announced change, and every minute. */
async function watchManagedClients(managed: ManagedClients, clients: ClientRegistry, log: Logger) {
  const listeners: Array<(list: OidcClientConfig[]) => void> = [];
  const reload = async () => {
    try {
      const list: OidcClientConfig[] = [];
      for (const { clientId } of await managed.list()) {
        const config = await managed.config(clientId);
        if (config && !clients.fromFiles(clientId)) list.push(config);
        else if (!config) log.error({ clientId }, 'OIDC: a client added in the console cannot be read');
      }
      clients.setManaged(list);
      for (const listener of listeners) listener(list);
    } catch (err) {
      log.warn({ err }, 'OIDC: the clients added in the console could not be read; keeping the ones known');
    }
  };
  const unsubscribe: Unsubscribe = await managed.onChange(() => void reload());
  const timer = setInterval(() => void reload(), 60_000);
  timer.unref();
  await reload();
  return {
    onReload: (listener: (list: OidcClientConfig[]) => void) => void listeners.push(listener),
    reload,
    close: async () => {
      clearInterval(timer);
      await unsubscribe();
    },
  };
}
