import { Provider, type KoaContextWithOIDC } from 'oidc-provider';
import { ConfigError } from '../../config/load.ts';
import type { OidcConfig } from '../../config/oidc.ts';
import type { JsonWebKeySet } from '../../keys/contract.ts';
import { ACR_VALUES, SCOPE_CLAIMS, accountFinder, type CheckAccount, type OnRefused } from './account.ts';
import type { AdapterOptions, OidcAdapter } from './adapter.ts';
import { clientMetadata } from './clients.ts';
import type { CookieSigner } from './cookie-signer.ts';
import type { ClientRegistry, FrontEndSignIn } from './deps.ts';
import { grantLoader, loginPolicy, sessionSignIn, type SessionApps } from './policy.ts';
import { logoutPage, oidcErrorPage, postLogoutPage } from './pages.ts';

// Latch's OpenID Provider: oidc-provider configured for the authorization code flow only, with
// Latch's keys, storage, directory and sign-in. Its endpoints live under /oidc/ (discovery at the
// issuer's /.well-known/openid-configuration); /oidc/interaction/ is Latch's (interactions.ts).

export const OIDC_PREFIX = '/oidc';
export const INTERACTION_PREFIX = `${OIDC_PREFIX}/interaction`;

export interface ProviderOptions {
  issuer: string;
  config: OidcConfig;
  /** KeyRing.privateJwks(): current keys first, so they sign; next keys are published. */
  jwks: JsonWebKeySet;
  /** oidc-provider's storage: storeAdapterFactory on Latch's store. */
  adapter: (model: string) => OidcAdapter;
  /** Whether a token's account may still be used (AccountCheck.check). */
  checkAccount: CheckAccount;
  /** Logs a request refused because its account may no longer be used. */
  onAccountRefused: OnRefused;
  signIn: FrontEndSignIn;
  /** Latch's sessions, which record the clients that used them (for logout). */
  sessions: SessionApps;
  clients: ClientRegistry;
  /** Signs oidc-provider's cookies, with keys derived from the server secret. */
  cookieKeys: CookieSigner;
  /** oidc-provider's session lives as long as Latch's IdP session may. */
  sessionTtlMs: number;
  /** How long a browser has to finish a sign-in. */
  interactionTtlMs: number;
  /** Believe X-Forwarded-Proto/-For (Latch sits behind a configured proxy). */
  trustProxy: boolean;
}

const seconds = (ms: number) => Math.max(1, Math.round(ms / 1000));

/** Nothing issued under a grant outlives the longest token lifetime: a revocation mark lasts that long. */
export function adapterOptions(config: OidcConfig): AdapterOptions {
  const { authorizationCode, accessToken, idToken, refreshToken } = config.ttl;
  return { grantArtifactTtlMs: Math.max(authorizationCode, accessToken, idToken, refreshToken) };
}

export async function createProvider(options: ProviderOptions): Promise<Provider> {
  const { config, clients } = options;
  const ttl = config.ttl;
  const clientList = config.clients.map((client, index) => clientMetadata(client, index));

  const provider = new Provider(options.issuer, {
    adapter: options.adapter,
    clients: clientList,
    jwks: options.jwks,
    findAccount: accountFinder(options.checkAccount, options.onAccountRefused),
    claims: SCOPE_CLAIMS,
    scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
    acrValues: ACR_VALUES,
    // Relying parties that read claims from the ID token alone (many do) get them there too.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'ES256'], userinfoSigningAlgValues: ['RS256', 'ES256'] },
    pkce: { required: (_ctx: unknown, client: { clientAuthMethod: string }) => client.clientAuthMethod === 'none' },
    rotateRefreshToken: true,
    // Refresh tokens for every code exchange; without offline_access (which needs prompt=consent,
    // OIDC Core 11) they end with the session, like the access tokens.
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    routes: {
      authorization: `${OIDC_PREFIX}/auth`,
      token: `${OIDC_PREFIX}/token`,
      userinfo: `${OIDC_PREFIX}/userinfo`,
      jwks: `${OIDC_PREFIX}/jwks`,
      end_session: `${OIDC_PREFIX}/logout`,
      revocation: `${OIDC_PREFIX}/revoke`,
      pushed_authorization_request: `${OIDC_PREFIX}/par`,
      introspection: `${OIDC_PREFIX}/introspect`,
      registration: `${OIDC_PREFIX}/register`,
      backchannel_authentication: `${OIDC_PREFIX}/backchannel`,
      code_verification: `${OIDC_PREFIX}/device`,
      device_authorization: `${OIDC_PREFIX}/device/auth`,
      challenge: `${OIDC_PREFIX}/challenge`,
      credential: `${OIDC_PREFIX}/credential`,
    },
    cookies: {
      names: { session: 'latch_oidc_session', interaction: 'latch_oidc_interaction', resume: 'latch_oidc_resume' },
      keys: options.cookieKeys,
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    ttl: {
      AuthorizationCode: seconds(ttl.authorizationCode),
      AccessToken: seconds(ttl.accessToken),
      IdToken: seconds(ttl.idToken),
      RefreshToken: seconds(ttl.refreshToken),
      Grant: seconds(ttl.grant),
      Session: seconds(options.sessionTtlMs),
      Interaction: seconds(options.interactionTtlMs),
    },
    interactions: {
      policy: loginPolicy(clients),
      url: (_ctx: unknown, interaction: { uid: string }) => `${INTERACTION_PREFIX}/${interaction.uid}`,
    },
    loadExistingGrant: grantLoader(clients, options.sessions, seconds(ttl.grant)),
    // Not a parameter relying parties send: the hook that answers from Latch's session (policy.ts).
    extraParams: { latch_session: sessionSignIn(options.signIn, clients) },
    clientBasedCORS: (
      ctx: KoaContextWithOIDC,
      origin: string,
      client: { clientAuthMethod: string; redirectUris: string[] },
    ) =>
      origin !== 'null' &&
      (ctx.oidc.route === 'userinfo' || client.clientAuthMethod === 'none') &&
      client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin),
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      claimsParameter: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx: KoaContextWithOIDC, form: string) => {
          ctx.type = 'html';
          ctx.body = logoutPage(form, ctx.host);
        },
        postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => {
          ctx.type = 'html';
          ctx.body = postLogoutPage(ctx.oidc.client?.clientName);
        },
      },
    },
    // oidc-provider refuses to call private and loopback addresses (against SSRF through dynamic
    // registration). Latch's clients come only from the operator's config, and internal
    // applications on private addresses must get their back-channel logouts and have their JWKS read.
    fetch: (url: string | URL, { dispatcher: _ssrfGuard, ...init }: RequestInit & { dispatcher?: unknown }) =>
      globalThis.fetch(url, init),
    renderError: (ctx: KoaContextWithOIDC, out: { error?: string; error_description?: string }) => {
      ctx.type = 'html';
      ctx.body = oidcErrorPage(out);
    },
  });
  provider.proxy = options.trustProxy;
  // Static clients are checked when first used; check them now, so a bad one stops the server.
  for (const [index, metadata] of clientList.entries()) {
    const problem = await clientProblem(provider, metadata);
    if (problem)
      throw new ConfigError([`oidc.clients.${index}: ${problem} (client ${JSON.stringify(metadata.client_id)})`]);
  }
  return provider;
}

/** What oidc-provider finds wrong with a client's metadata; undefined when it would serve it. */
export async function clientProblem(
  provider: Provider,
  metadata: Record<string, unknown>,
): Promise<string | undefined> {
  try {
    await (provider as unknown as { Client: { validate(m: unknown): Promise<void> } }).Client.validate(metadata);
    return undefined;
  } catch (err) {
    const { error_description, message } = err as { error_description?: string; message: string };
    return error_description ?? message;
  }
}
