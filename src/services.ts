import type { Logger } from 'pino';
import type { LatchConfig } from './config/schema.ts';
import { AuthLog } from './authn/auth-log.ts';
import { SignInFlow } from './authn/flow.ts';
import type { FactorChanges } from './authn/factor-changes.ts';
import { KnownDevices } from './authn/known-device.ts';
import type { AppPolicies, PolicyResolver } from './authn/policy.ts';
import { policiesFromConfig } from './authn/policy-config.ts';
import { checkNetworkNames, openConditions, type Conditions } from './authn/condition-setup.ts';
import type { ConditionChecker } from './authn/conditions.ts';
import { UserBrowsers } from './authn/user-browsers.ts';
import { explainSignIn, type WhatIfAnswer, type WhatIfQuery } from './authn/what-if.ts';
import { ConsolePolicyStore, followConsolePolicy, type FollowedPolicy } from './authn/console-policy.ts';
import { LogRetention } from './authn/log-retention.ts';
import { RememberedDevices } from './authn/remembered-device.ts';
import { createMethods, flowSteps, promptTemplates } from './methods/index.ts';
import type { SignInMethod } from './methods/method.ts';
import type { Template } from './ui/prompt-parts.ts';
import type { Passcodes } from './methods/passcodes/passcodes.ts';
import type { Push } from './methods/push/push.ts';
import type { PushNetwork } from './methods/push/push-endpoint.ts';
import { PasswordThrottle } from './authn/throttle.ts';
import { TransactionStore } from './authn/transaction.ts';
import type { WebAuthnParts } from './methods/webauthn/webauthn.ts';
import { accountCheckFor, type AccountCheck } from './directory/account-check.ts';
import type { Directory, UserSearch } from './directory/contract.ts';
import { LocalFileDirectory } from './directory/local-file.ts';
import { createLdapDirectory } from './ldap/index.ts';
import { ConfigError } from './config/load.ts';
import { CsrfTokens } from './http/csrf.ts';
import { BrowserCookies } from './idp/signin/cookies.ts';
import { LiveSessions } from './idp/signin/live-session.ts';
import { SessionStore } from './idp/signin/session.ts';
import { SignOutHooks } from './idp/signin/sign-out.ts';
import { SignInService } from './idp/signin/service.ts';
import { createOidc, type OidcFrontEnd } from './idp/oidc/index.ts';
import { openSamlIdp, type SamlIdp } from './idp/saml/idp.ts';
import { createAuthApi, type AuthApiFrontEnd } from './idp/authapi/index.ts';
import type { KeyRing } from './keys/contract.ts';
import { loadKeyRing, openLatchStore } from './keys/index.ts';
import { loadServerSecret } from './keys/server-secret.ts';
import { createMetrics, type Metrics } from './ops/metrics.ts';
import type { MessageRelay, Store } from './store/contract.ts';
import { buildBrowserBundles } from './ui/browser-bundles.ts';

// Builds every long-lived part of Latch from the configuration, in dependency order. main.ts and
// the tests use it; app.ts turns the result into HTTP routes.

export interface Services {
  config: LatchConfig;
  log: Logger;
  metrics: Metrics;
  store: Store;
  keys: KeyRing;
  /** Also answers the console's bounded searches. */
  directory: Directory & UserSearch;
  /** Whether an account that signed in may still be used, and its groups of now (kept briefly). */
  accounts: AccountCheck;
  policies: PolicyResolver;
  /** The console's global policy layer and the organisation-wide passwordless switch. */
  consolePolicy: { store: ConsolePolicyStore } & FollowedPolicy;
  /** Policy's conditions: where a request comes from and with what browser. */
  conditions: ConditionChecker;
  /** A user's browsers: list and revoke (the account page; the admin console). */
  browsers: UserBrowsers;
  /** What would happen for a user of an application from an address (the console's effective-policy view). */
  explainSignIn(query: WhatIfQuery): WhatIfAnswer;
  authLog: AuthLog;
  /** Trims the authentication log (and the streams the console adds) past their retention. */
  retention: LogRetention;
  knownDevices: KnownDevices;
  /** Browsers users let skip the second factor ("Yes, this is my device"). */
  remembered: RememberedDevices;
  /** Every sign-in method (src/methods/index.ts). */
  methods: SignInMethod[];
  /** Their prompt templates, by name. */
  templates: Record<string, Template>;
  factorChanges: FactorChanges;
  passcodes: Passcodes;
  transactions: TransactionStore;
  flow: SignInFlow;
  sessions: SessionStore;
  liveSessions: LiveSessions;
  cookies: BrowserCookies;
  csrf: CsrfTokens;
  signIn: SignInService;
  /** Front ends' sign-out hooks (set in app.ts): whoever ends an IdP session runs the others'. */
  signOut: SignOutHooks;
  oidc: OidcFrontEnd;
  saml: SamlIdp;
  /** The Auth API v2 and Universal Prompt front end, and its integrations. */
  authApi: AuthApiFrontEnd;
  webauthn: WebAuthnParts;
  push: Push;
  close(): Promise<void>;
}

export async function openDirectory(config: LatchConfig, log: Logger): Promise<Directory & UserSearch> {
  if (config.directory.type === 'local') return new LocalFileDirectory(config.directory.local.file!);
  if (!config.directory.ldap)
    throw new ConfigError(['directory.ldap: required when directory.type is "ldap" (see config/examples/ad.yaml)']);
  return createLdapDirectory(config.directory.ldap, log);
}

/** What tests may replace, and what a cluster worker gets from its primary; a single process passes nothing. */
export interface ServiceOptions {
  /** DNS (and reachable addresses) for Web Push: tests resolve the push services' names themselves. */
  webPushNetwork?: PushNetwork;
  /** SQLite's publish/subscribe to the other workers (src/cluster/worker.ts). */
  storeRelay?: MessageRelay;
  /** /metrics summed over every worker, from the primary. */
  clusterMetrics?: () => Promise<string>;
}

export async function createServices(
  config: LatchConfig,
  log: Logger,
  options: ServiceOptions = {},
): Promise<Services> {
  const metrics = createMetrics(config.metrics, options.clusterMetrics);
  await buildBrowserBundles();
  const store = await openLatchStore(config, log, options.storeRelay);
  let conditions: Conditions | undefined;
  try {
    warnWithoutMasterKey(config, log);
    const keys = await loadKeyRing(config.keys, config.server.baseUrl, store, log);
    const directory = await openDirectory(config, log);
    const secret = await loadServerSecret(store);
    const policies = policiesFromConfig(config);
    const consolePolicy = new ConsolePolicyStore(store);
    const followed = await followConsolePolicy(policies, consolePolicy, log);
    const authLog = new AuthLog(store, log);
    const retention = new LogRetention(
      store,
      [{ name: 'authlog', stream: authLog.stream(), retentionMs: config.authLog.retention }],
      config.authLog.trimEvery,
      log,
    );
    const knownDevices = new KnownDevices(store, secret, config.knownDevice.lifetime);
    const transactions = new TransactionStore(store, config.signIn.transactionLifetime);
    const throttle = new PasswordThrottle(store, config.throttle);
    const methods = await createMethods({
      config,
      log,
      store,
      serverSecret: secret,
      directory,
      policies,
      authLog,
      knownDevices,
      throttle,
      webPushNetwork: options.webPushNetwork,
    });
    const { factorChanges, passcodes, webauthn, push } = methods;
    const remembered = new RememberedDevices(store);
    conditions = openConditions(config, log);
    const browserTrusts = methods.list.flatMap((m) => (m.browserTrust ? [m.browserTrust] : []));
    const browsers = new UserBrowsers(store, config.knownDevice.lifetime, remembered, knownDevices, browserTrusts);
    const flow = new SignInFlow({
      transactions,
      steps: flowSteps(methods.list, remembered),
      policies,
      authLog,
      remembered,
      conditions: conditions.checker,
      browsers,
      hasAnyFactor: (userId) => factorChanges.hasAnyFactor(userId),
      enrolled: (userId) => factorChanges.enrolled(userId),
      signInCounter: metrics.signIns,
    });
    const sessions = new SessionStore(store, {
      idleMs: config.session.idleTimeout,
      absoluteMs: config.session.absoluteTimeout,
    });
    const secure = config.server.baseUrl.startsWith('https:');
    const cookies = new BrowserCookies(
      { session: config.session.cookieName, device: config.knownDevice.cookieName, flow: 'latch_flow' },
      secure,
      knownDevices,
    );
    const csrf = new CsrfTokens(secret);
    const accounts = accountCheckFor(directory, config.directory.accountCheckCache);
    const liveSessions = new LiveSessions({ sessions, cookies, accounts, authLog });
    const signIn = new SignInService({ flow, transactions, sessions, cookies, liveSessions, knownDevices });
    const signOut = new SignOutHooks();
    const oidc = await createOidc({
      config,
      log,
      store,
      keys,
      accounts,
      signIn,
      signOut,
      sessions,
      cookies,
      csrf,
      authLog,
      serverSecret: secret,
    });
    const saml = await openSamlIdp(config, keys, store, log);
    // SAML SPs' policy layers, by entity ID, once their metadata is read; those of the SPs and
    // clients added in the console follow every reload.
    policies.registerApps(Object.fromEntries(saml.registry.all().map((sp) => [sp.entityId, sp.options.policy])));
    policies.registerApps(Object.fromEntries(oidc.clients.all().map((client) => [client.client_id, client.policy])));
    const samlLayers = followLayers(
      policies,
      saml.registry
        .all()
        .filter((sp) => sp.managedKey)
        .map((sp) => sp.entityId),
    );
    saml.registry.onReload((sps) => samlLayers(Object.fromEntries(sps.map((sp) => [sp.entityId, sp.options.policy]))));
    const oidcClients = oidc.clients
      .all()
      .filter((c) => !oidc.clients.fromFiles(c.client_id))
      .map((c) => c.client_id);
    const oidcLayers = followLayers(policies, oidcClients);
    oidc.onReload((clients) => oidcLayers(Object.fromEntries(clients.map((c) => [c.client_id, c.policy]))));
    checkNetworkNames(conditions.checker, policies);
    const authApi = createAuthApi({
      config,
      store,
      serverSecret: secret,
      directory,
      accounts,
      flow,
      transactions,
      policies,
      passcodes,
      push,
      factorChanges,
      authLog,
      signIn,
      cookies,
    });
    retention.start();
    return {
      config,
      log,
      metrics,
      store,
      keys,
      directory,
      accounts,
      policies,
      authLog,
      knownDevices,
      retention,
      remembered,
      consolePolicy: { store: consolePolicy, ...followed },
      conditions: conditions.checker,
      browsers,
      explainSignIn: (query) => explainSignIn(policies, conditions!.checker, query),
      methods: methods.list,
      templates: promptTemplates(methods.list),
      factorChanges,
      passcodes,
      transactions,
      flow,
      sessions,
      liveSessions,
      cookies,
      csrf,
      signIn,
      signOut,
      oidc,
      saml,
      authApi,
      webauthn,
      push,
      async close() {
        conditions?.close();
        await retention.stop();
        await followed.stop();
        await saml.registry.close();
        await oidc.close();
        await keys.close();
        await push.close();
        await directory.close();
        await store.close();
      },
    };
  } catch (err) {
    conditions?.close();
    await store.close();
    throw err;
  }
}

/** Registers the layers of applications that come and go (the console's): one that went is removed. */
function followLayers(policies: PolicyResolver, initial: string[]): (layers: AppPolicies) => void {
  let known = new Set(initial);
  return (layers) => {
    const gone = [...known].filter((id) => !(id in layers));
    policies.registerApps({ ...Object.fromEntries(gone.map((id) => [id, undefined])), ...layers });
    known = new Set(Object.keys(layers));
  };
}

/** Several nodes on a shared store without a master key each sign with keys of their own. */
function warnWithoutMasterKey(config: LatchConfig, log: Logger): void {
  if (config.store.type === 'sqlite' || config.keys.masterKeyFile || (config.keys.rsa && config.keys.ec)) return;
  log.warn(
    `store.type is ${config.store.type} but keys.masterKeyFile is not set: this node signs with keys of its own ` +
      `(${config.keys.dir}), which other nodes do not have. Create a master key with \`npx latch keys init-master FILE\`, ` +
      'give it to every node as keys.masterKeyFile, and see docs/cluster.md',
  );
}
