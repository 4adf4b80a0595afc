import { z } from 'zod';
import { appPolicyLayer } from './policy.ts';
import { duration } from './duration.ts';

// Configuration of the SAML 2.0 identity provider (src/idp/saml). Per-SP options can be written
// under saml.serviceProviders, or in a YAML file beside an SP's metadata in saml.metadataDir;
// anything an SP leaves out comes from saml.spDefaults.

export const nameIdFormat = z.enum(['unspecified', 'emailAddress', 'persistent', 'transient'], {
  error: 'expected unspecified, emailAddress, persistent or transient',
});
export type NameIdFormatName = z.infer<typeof nameIdFormat>;

const attributeNameFormat = z.enum(['uri', 'basic', 'unspecified'], { error: 'expected uri, basic or unspecified' });

/** Where one Latch attribute goes in the AttributeStatement: a SAML name, or a name plus format. */
const attributeTarget = z.union([
  z.string().min(1),
  z.strictObject({
    name: z.string().min(1),
    nameFormat: attributeNameFormat.optional(),
    friendlyName: z.string().optional(),
  }),
]);

const signatureAlgorithm = z.enum(['rsa-sha256', 'rsa-sha512', 'rsa-sha1'], {
  error: 'expected rsa-sha256, rsa-sha512 or rsa-sha1',
});
const encryptionAlgorithm = z.enum(['aes256-gcm', 'aes128-cbc'], { error: 'expected aes256-gcm or aes128-cbc' });

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an absolute http:// or https:// URL' });

/** "https://app.example.com" (a port may follow, nothing else), normalized as URL.origin writes it. */
const origin = z
  .string()
  .refine((value) => {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    return bare && (url.protocol === 'https:' || url.protocol === 'http:');
  }, 'expected an origin such as https://app.example.com (scheme, host and optional port, no path)')
  .transform((value) => new URL(value).origin);

/** Options that each SP may set; all optional here, filled in from saml.spDefaults. */
export const spOptions = z.strictObject({
  /** Start from a shipped preset (metadata/presets/<name>.yaml) for an IdP that chains to Latch. */
  preset: z.enum(['adfs', 'okta', 'pingfederate'], { error: 'expected adfs, okta or pingfederate' }).optional(),
  /** Shown to users ("Sign in to …"). */
  name: z.string().min(1).optional(),
  nameIdFormat: nameIdFormat.optional(),
  /** The Latch attribute the NameID is taken from (username, email, upn, id, or a directory attribute). */
  nameIdAttribute: z.string().min(1).optional(),
  signatureAlgorithm: signatureAlgorithm.optional(),
  signResponse: z.boolean().optional(),
  signAssertion: z.boolean().optional(),
  encryptAssertion: z.boolean().optional(),
  encryptionAlgorithm: encryptionAlgorithm.optional(),
  /** Latch attribute → SAML attribute. */
  attributes: z.record(z.string().min(1), attributeTarget).optional(),
  clockSkew: duration.optional(),
  requireSignedRequests: z.boolean().optional(),
  defaultRelayState: z.string().optional(),
  /**
   * Origins whose absolute URLs IdP-initiated sign-in may pass as RelayState; without them only a
   * path on the SP ("/wiki/Start") is passed.
   */
  relayStateOrigins: z.array(origin).optional(),
  /** SessionNotOnOrAfter: how long the SP may keep its session. */
  sessionLifetime: duration.optional(),
  /** Allow IdP-initiated (unsolicited) sign-in to this SP. */
  allowIdpInitiated: z.boolean().optional(),
  /** A separate IdP entity ID for this SP (one IdP identity per SP, as hosted SSO services do). */
  idpEntityId: z.string().min(1).optional(),
  /**
   * PEM (or base64 DER) certificate that the SP's metadata must be signed with (an enveloped
   * signature on its root); metadata without a valid signature is refused at startup.
   */
  metadataSigningCertificate: z.string().min(1).optional(),
  /** Sign-in policy for this SP, over policy.default (docs/sign-in-policy.md). */
  policy: appPolicyLayer.optional(),
});
export type SpOptions = z.infer<typeof spOptions>;

const acsEntry = z.strictObject({
  url: httpUrl,
  index: z.number().int().min(0).optional(),
  isDefault: z.boolean().optional(),
});

/** An SP given in config: its metadata (file or inline), or its entity ID and endpoints by hand. */
export const spEntry = spOptions
  .extend({
    metadataFile: z.string().min(1).optional(),
    metadataXml: z.string().min(1).optional(),
    /** Fetched at startup (and kept under dataDir, used when the URL does not answer later). */
    metadataUrl: httpUrl.optional(),
    entityId: z.string().min(1).optional(),
    acs: z.array(acsEntry).min(1).optional(),
    sloUrl: httpUrl.optional(),
    /** PEM certificates (or base64 DER) that verify the SP's signed requests / receive encrypted assertions. */
    certificates: z.array(z.string().min(1)).optional(),
  })
  .refine((sp) => Boolean(sp.metadataFile || sp.metadataXml || sp.metadataUrl || (sp.entityId && sp.acs)), {
    message: 'expected metadataFile, metadataXml, metadataUrl, or entityId together with acs',
  });

const spDefaults = z.strictObject({
  nameIdFormat,
  nameIdAttribute: z.string().min(1),
  signatureAlgorithm,
  signResponse: z.boolean(),
  signAssertion: z.boolean(),
  encryptAssertion: z.boolean(),
  encryptionAlgorithm,
  attributes: z.record(z.string().min(1), attributeTarget),
  clockSkew: duration,
  requireSignedRequests: z.boolean(),
  sessionLifetime: duration,
  allowIdpInitiated: z.boolean(),
});
export type SpDefaults = z.infer<typeof spDefaults>;

export const samlConfig = z.strictObject({
  enabled: z.boolean(),
  /** Latch's IdP entity ID; defaults to <baseUrl>/saml2/idp/metadata. */
  entityId: z.string().min(1).optional(),
  /** Folder of SP metadata files (*.xml, with optional *.yaml options beside them). */
  metadataDir: z.string().min(1),
  /** Sign the IdP metadata document. */
  signMetadata: z.boolean(),
  /** AuthnRequests and LogoutRequests issued longer ago than this (plus the SP's clock skew) are refused. */
  requestMaxAge: duration,
  /**
   * The largest protocol message (AuthnRequest, LogoutRequest/Response) read, in bytes of XML after
   * base64 and, for HTTP-Redirect, after inflating; tighter than server.maxBodyBytes.
   */
  maxMessageBytes: z
    .number()
    .int()
    .min(4096)
    .max(1024 * 1024),
  /** How long an assertion is valid (NotOnOrAfter). */
  assertionLifetime: duration,
  /** Shibboleth scopes published in the IdP metadata (for eduPersonPrincipalName and similar). */
  scopes: z.array(z.string().min(1)),
  spDefaults,
  serviceProviders: z.record(
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected letters, digits, ".", "_" or "-"'),
    spEntry,
  ),
});
export type SamlConfig = z.infer<typeof samlConfig>;
export type SpEntry = z.infer<typeof spEntry>;
