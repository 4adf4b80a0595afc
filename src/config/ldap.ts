import { z } from 'zod';
import { duration } from './duration.ts';

// directory.ldap: Active Directory or another LDAP server. Documented key by key in
// config/examples/ad.yaml. Defaults that differ between AD and plain LDAP (attribute names,
// nested groups, the user filter) are filled in from `flavor` after parsing.

const ldapUrl = z.string().regex(/^ldaps?:\/\/[^/?#\s]+\/?$/i, 'expected ldap://host[:port] or ldaps://host[:port]');

const attributeName = z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$|^\d+(\.\d+)+$/, 'expected an LDAP attribute name');

const dn = z.string().min(1).regex(/=/, 'expected a distinguished name such as "DC=example,DC=com"');

const tls = z.strictObject({
  /** PEM file of the CA(s) that signed the directory's certificate; the system CAs when unset. */
  caFile: z.string().min(1).optional(),
  /** Verify the server certificate and its name. Turning this off logs a warning at start. */
  verify: z.boolean().default(true),
  /** Name to verify the certificate against when it differs from the host in the URL. */
  servername: z.string().min(1).optional(),
});

const bind = z
  .strictObject({
    dn: dn.optional(),
    /** AD also accepts a user principal name (svc-latch@example.com) as the bind name. */
    upn: z
      .string()
      .regex(/^[^@\s]+@[^@\s]+$/, 'expected user@domain')
      .optional(),
    passwordFile: z.string().min(1).optional(),
    passwordEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')
      .optional(),
  })
  .refine((b) => (b.dn === undefined) !== (b.upn === undefined), { message: 'expected exactly one of "dn" or "upn"' })
  .refine((b) => (b.passwordFile === undefined) !== (b.passwordEnv === undefined), {
    message: 'expected exactly one of "passwordFile" or "passwordEnv"',
  });

const attributes = z.strictObject({
  /** Stable id: objectGUID (AD) or entryUUID (OpenLDAP). */
  id: attributeName.optional(),
  username: attributeName.optional(),
  upn: attributeName.optional(),
  email: attributeName.optional(),
  displayName: attributeName.optional(),
  /** Attribute of the user holding the DNs of its direct groups. */
  groups: attributeName.optional(),
  /** Further attributes to read and pass on to SAML/OIDC mapping. */
  extra: z.array(attributeName).default([]),
});

const pool = z.strictObject({
  /** Connections per pool (one pool for searches as the service account, one for user binds). */
  size: z.number().int().min(1).max(256).default(8),
  /** An idle connection is closed after this long. */
  idle: duration.default(60_000),
});

const flavor = z.enum(['ad', 'ldap']);

export const ldapConfigInput = z.strictObject({
  flavor: flavor.default('ad'),
  /** Tried in order: the first that answers is used, the next ones when it does not. */
  urls: z.array(ldapUrl).min(1),
  connectTimeout: duration.default(5_000),
  operationTimeout: duration.default(10_000),
  /** Upgrade ldap:// connections with StartTLS before sending anything else. */
  starttls: z.boolean().default(false),
  tls: tls.default({ verify: true }),
  /** The service account used for searches; anonymous searches when unset. */
  bind: bind.optional(),
  baseDns: z.array(dn).min(1),
  /** What users type, tried in order (e.g. sAMAccountName, then userPrincipalName). */
  loginAttributes: z.array(attributeName).min(1).optional(),
  /** Extra filter every user entry must match; the flavor's default when unset. */
  userFilter: z
    .string()
    .regex(/^\(.*\)$/s, 'expected an LDAP filter in parentheses')
    .optional(),
  /** A group (name or DN) a user must belong to; others are treated as unknown users. */
  requiredGroup: z.string().min(1).optional(),
  attributes: attributes.default({ extra: [] }),
  /** Resolve groups of groups (AD: matching rule 1.2.840.113556.1.4.1941). */
  nestedGroups: z.boolean().optional(),
  pool: pool.default({ size: 8, idle: 60_000 }),
  /** Page size for searches that may return many entries (groups). */
  pageSize: z.number().int().min(1).max(10_000).default(500),
});

const FLAVOR_DEFAULTS = {
  ad: {
    loginAttributes: ['sAMAccountName', 'userPrincipalName'],
    userFilter: '(&(objectCategory=person)(objectClass=user))',
    nestedGroups: true,
    attributes: {
      id: 'objectGUID',
      username: 'sAMAccountName',
      upn: 'userPrincipalName',
      email: 'mail',
      displayName: 'displayName',
      groups: 'memberOf',
    },
  },
  ldap: {
    loginAttributes: ['uid'],
    userFilter: '(objectClass=inetOrgPerson)',
    nestedGroups: false,
    attributes: {
      id: 'entryUUID',
      username: 'uid',
      upn: undefined,
      email: 'mail',
      displayName: 'displayName',
      groups: 'memberOf',
    },
  },
} as const;

/** directory.ldap with the flavor's defaults filled in. */
export const ldapConfig = ldapConfigInput
  .refine((c) => !(c.starttls && c.urls.some((u) => /^ldaps:/i.test(u))), {
    path: ['starttls'],
    message: 'StartTLS applies to ldap:// URLs only; use either ldaps:// URLs or starttls: true',
  })
  .transform((c) => {
    const d = FLAVOR_DEFAULTS[c.flavor];
    return {
      ...c,
      loginAttributes: c.loginAttributes ?? [...d.loginAttributes],
      userFilter: c.userFilter ?? d.userFilter,
      nestedGroups: c.nestedGroups ?? d.nestedGroups,
      attributes: {
        id: c.attributes.id ?? d.attributes.id,
        username: c.attributes.username ?? d.attributes.username,
        upn: c.attributes.upn ?? d.attributes.upn,
        email: c.attributes.email ?? d.attributes.email,
        displayName: c.attributes.displayName ?? d.attributes.displayName,
        groups: c.attributes.groups ?? d.attributes.groups,
        extra: c.attributes.extra,
      },
    };
  });

export type LdapConfig = z.output<typeof ldapConfig>;
export type LdapConfigInput = z.input<typeof ldapConfig>;
