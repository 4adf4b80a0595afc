import { z } from 'zod';
import { duration } from './duration.ts';
import { appPolicyLayer } from './policy.ts';

// The `oidc` section: relying parties registered with Latch's OpenID Provider, and token lifetimes.
// Client fields use the OAuth/OIDC registration names (RFC 7591, OIDC Registration) so that an
// operator can copy them from a relying party's documentation; Latch's own additions are
// camelCase (secretFile, public, firstParty, policy).

const absoluteUrl = z
  .string()
  .refine((value) => URL.canParse(value) && !value.includes('#'), 'expected an absolute URL without a fragment');

const confidentialMethods = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;

const jwk = z.record(z.string(), z.unknown());

export const oidcClient = z
  .strictObject({
    client_id: z.string().regex(/^[A-Za-z0-9._~-]{1,200}$/, 'expected 1-200 letters, digits or "._~-"'),
    /** Shown to users ("Sign in to <name>"); defaults to client_id. */
    client_name: z.string().min(1).optional(),
    /** A public client (single-page or native app): no secret, PKCE with S256 required. */
    public: z.boolean().default(false),
    token_endpoint_auth_method: z.enum([...confidentialMethods, 'none']).optional(),
    client_secret: z.string().min(32, 'expected a secret of at least 32 characters').optional(),
    /** A file holding the secret (first line), instead of client_secret in the config. */
    secretFile: z.string().min(1).optional(),
    /** Public keys for private_key_jwt, inline or by URL. */
    jwks: z.strictObject({ keys: z.array(jwk).min(1) }).optional(),
    jwks_uri: absoluteUrl.optional(),
    /** Matched exactly. */
    redirect_uris: z.array(absoluteUrl).min(1, 'expected at least one redirect URI'),
    post_logout_redirect_uris: z.array(absoluteUrl).default([]),
    backchannel_logout_uri: absoluteUrl.optional(),
    id_token_signed_response_alg: z.enum(['RS256', 'ES256']).default('RS256'),
    /** Scopes the client may request; defaults to every scope Latch serves. */
    scope: z
      .string()
      .regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, 'expected space-separated scopes')
      .optional(),
    /** First-party clients get the scopes they ask for without a consent page (unless prompt=consent). */
    firstParty: z.boolean().default(true),
    policy: appPolicyLayer.optional(),
  })
  .superRefine((c, ctx) => {
    const method = c.token_endpoint_auth_method ?? (c.public ? 'none' : 'client_secret_basic');
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.public && method !== 'none')
      problem('token_endpoint_auth_method', 'a public client has no credentials: expected "none" or nothing');
    if (!c.public && method === 'none')
      problem('token_endpoint_auth_method', '"none" is only for public clients: set public: true');
    const secrets = Number(c.client_secret !== undefined) + Number(c.secretFile !== undefined);
    if (method.startsWith('client_secret_') && secrets !== 1)
      problem('client_secret', `${method} needs exactly one of client_secret or secretFile`);
    if (!method.startsWith('client_secret_') && secrets > 0)
      problem('client_secret', `a secret is not used with ${method}: remove it`);
    const keys = Number(c.jwks !== undefined) + Number(c.jwks_uri !== undefined);
    if (method === 'private_key_jwt' && keys !== 1)
      problem('jwks', 'private_key_jwt needs exactly one of jwks or jwks_uri');
    if (method !== 'private_key_jwt' && keys > 0) problem('jwks', `keys are not used with ${method}: remove them`);
  });

const ttl = z.strictObject({
  authorizationCode: duration,
  accessToken: duration,
  idToken: duration,
  /** How long a refresh token lives; each rotation issues a new one. */
  refreshToken: duration,
  /** How long a relying party may keep asking for tokens without the user signing in again (the grant). */
  grant: duration,
});

/** Client ids are unique; checked even when another client has problems, so every one is reported. */
const clients = z.array(oidcClient).superRefine(
  (list, ctx) => {
    const seen = new Map<string, number>();
    list.forEach((c: { client_id?: unknown } | undefined, i) => {
      if (typeof c?.client_id !== 'string') return;
      const first = seen.get(c.client_id);
      if (first !== undefined)
        ctx.addIssue({ code: 'custom', path: [i, 'client_id'], message: `duplicate of clients.${first}.client_id` });
      else seen.set(c.client_id, i);
    });
  },
  { when: () => true },
);

export const oidcConfig = z.strictObject({ clients, ttl });

export type OidcConfig = z.infer<typeof oidcConfig>;
export type OidcClientConfig = OidcConfig['clients'][number];

/** The token endpoint authentication method a client uses, with its default filled in. */
export function clientAuthMethod(
  c: OidcClientConfig,
): 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none' {
  return c.token_endpoint_auth_method ?? (c.public ? 'none' : 'client_secret_basic');
}
