import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { duration } from './duration.ts';
import { appPolicyLayer, groupLayer, policyConfig } from './policy.ts';
import { adminConfig } from './admin.ts';
import { locationsConfig, networksConfig } from './conditions.ts';
import { ldapConfig } from './ldap.ts';
import { metricsConfig } from './metrics.ts';
import { oidcConfig } from './oidc.ts';
import { passcodesConfig } from './passcodes.ts';
import { samlConfig } from './saml.ts';
import { webauthnConfig } from './webauthn.ts';
import { pushConfig } from './push.ts';
import { authApiConfig } from './authapi.ts';

// The whole configuration of Latch, in one place. Every object is strict so that a mistyped key
// stops the server with a message naming it, instead of being silently ignored.

const port = z.number().int().min(1).max(65535);
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const server = z.strictObject({
  host: z.string().min(1),
  /** 0 listens on any free port (tests). */
  port: z.number().int().min(0).max(65535),
  /** The public URL of Latch: used in metadata, redirects and cookie security. */
  baseUrl: z.url({ protocol: /^https?$/, error: 'expected an absolute http:// or https:// URL' }),
  /** Addresses or CIDR ranges of reverse proxies whose X-Forwarded-* headers are believed. */
  trustedProxies: z.array(z.string().min(1)),
  tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(16 * 1024 * 1024),
  shutdownTimeout: duration,
  /** Processes that serve requests on the same port (node:cluster); 1 is a single process. */
  workers: z
    .number()
    .int()
    .min(1)
    .max(256)
    .default(() => availableParallelism()),
  /** V8 heap limits of each serving process, MB (src/cli/heap.ts); unset, Node's own. */
  heap: z
    .strictObject({
      /** The young generation's semi-space: garbage is collected after about twice this much allocation. */
      youngMb: z.number().int().min(1).max(256),
      /** The old generation's limit; a process that needs more stops with "heap out of memory". */
      maxMb: z.number().int().min(128).max(65536),
    })
    .optional(),
});

const sqliteStore = z.strictObject({ file: z.string().min(1).optional() });
const redisNode = z.strictObject({ host: z.string().min(1), port });
const redisStore = z.strictObject({
  url: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
    .optional(),
  sentinels: z.array(redisNode).optional(),
  /** Sentinel master name. */
  name: z.string().optional(),
  cluster: z.array(redisNode).optional(),
  passwordFile: z.string().optional(),
  keyPrefix: z.string(),
  /** How long a write that enrolls or removes an authenticator waits for a replica (WAIT). */
  replicaTimeout: duration.optional(),
});
const postgresStore = z.strictObject({
  /** postgres://user@host:port/database; several hosts (h1:5432,h2:5432) mean "the one that accepts writes". */
  url: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
    .optional(),
  passwordFile: z.string().optional(),
  /** The PostgreSQL schema of Latch's tables. */
  schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected lower-case letters, digits and "_"'),
  poolSize: z.number().int().min(1).max(100),
  connectTimeout: duration,
});
const store = z.strictObject({
  type: z.enum(['sqlite', 'redis', 'postgres']),
  sqlite: sqliteStore,
  redis: redisStore,
  postgres: postgresStore.optional(),
});

const keyImport = z.strictObject({ keyFile: z.string().min(1), certFile: z.string().min(1).optional() });
const keys = z.strictObject({
  dir: z.string().min(1).optional(),
  /** The master key shared by every node: keys and secrets live in the store, sealed under it. */
  masterKeyFile: z.string().min(1).optional(),
  /** Operator-provided signing keys, used instead of generated ones. */
  rsa: keyImport.optional(),
  ec: keyImport.optional(),
  certificateLifetime: duration,
  /** How often a node re-reads the keys from the store (besides the rotation announcement). */
  refreshInterval: duration.refine((ms) => ms >= 1000, 'expected at least 1s'),
  /** Scheduled rotation (with a master key): the next key is published at least publishAhead before it signs. */
  rotation: z.strictObject({ interval: duration.optional(), publishAhead: duration }),
});

const localDirectory = z.strictObject({ file: z.string().min(1).optional() });
const directory = z.strictObject({
  type: z.enum(['local', 'ldap']),
  local: localDirectory,
  ldap: ldapConfig.optional(),
  /** How long a directory server's answer to "may this account still be used?" is kept (SSO, refresh, userinfo). */
  accountCheckCache: duration.refine(
    (ms) => ms <= 3_600_000,
    'expected at most 1h: a disabled account keeps working this long',
  ),
});

const session = z.strictObject({
  idleTimeout: duration,
  absoluteTimeout: duration,
  cookieName: z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, "_" or "-"'),
});

const signIn = z.strictObject({
  /** How long a browser has to finish a sign-in it started. */
  transactionLifetime: duration,
  /** Slows down password checks that fail, so failures and successes look alike from outside. */
  failureDelay: duration,
});

const throttleLimit = z.strictObject({ maxFailures: z.number().int().min(1), window: duration });
const throttle = z.strictObject({
  perAccount: throttleLimit,
  perIp: throttleLimit,
});

const knownDevice = z.strictObject({ lifetime: duration, cookieName: z.string().min(1) });

const authLog = z.strictObject({
  /** Entries older than this are removed, on every node, in small batches. */
  retention: duration,
  /** How often each node looks for entries past the retention. */
  trimEvery: duration.refine((ms) => ms >= 1000, 'expected at least 1s'),
});

const application = z.strictObject({
  name: z.string().min(1),
  policy: appPolicyLayer.optional(),
  /** Pilot groups of this application: the same as `policy.groups`. */
  groups: z.array(groupLayer).optional(),
});

export const configSchema = z.strictObject({
  dataDir: z.string().min(1),
  log: z.strictObject({ level: logLevel }),
  server,
  store,
  keys,
  directory,
  session,
  signIn,
  throttle,
  knownDevice,
  authLog,
  admin: adminConfig,
  metrics: metricsConfig,
  policy: policyConfig,
  /** Named address lists that policy's `networks` rules refer to. */
  networks: networksConfig,
  locations: locationsConfig,
  passcodes: passcodesConfig,
  push: pushConfig,
  authApi: authApiConfig,
  /** Applications that are not SAML or OIDC (Latch's own account page is one). */
  applications: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/), application),
  saml: samlConfig,
  oidc: oidcConfig,
  webauthn: webauthnConfig,
});

export type LatchConfig = z.infer<typeof configSchema>;
