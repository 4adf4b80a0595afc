import { z } from 'zod';
import { duration } from './duration.ts';

// The operators' console at /admin/ and its JSON API (src/admin/): who may use it and as what,
// how far it may reach for an application's metadata, and how long its audit log is kept.

/** From most to least powerful; src/admin/roles.ts says what each may do. */
export const ADMIN_ROLES = ['owner', 'administrator', 'help-desk', 'read-only'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export const adminRole = z.enum(ADMIN_ROLES, { error: 'expected owner, administrator, help-desk or read-only' });

export const adminConfig = z.strictObject({
  /** Serve the console and the API; off, /admin/ answers 404 (the CLI still makes tokens). */
  enabled: z.boolean(),
  /** Directory users (by username) who may sign in to the console, with their role. */
  users: z.record(z.string().min(1), adminRole),
  /** Members of these directory groups (by name) may sign in to the console, with the group's role. */
  groups: z.record(z.string().min(1), adminRole),
  /**
   * Applications added in the console must use https for their endpoints (ACS, redirect URIs) and
   * metadata URLs, except on loopback hosts; true allows http:// anywhere (a lab, never production).
   */
  allowHttp: z.boolean(),
  /** How long a metadata URL has to answer, when an SP is added from one. */
  metadataTimeout: duration.refine((ms) => ms >= 1000 && ms <= 60_000, 'expected from 1s to 60s'),
  /** Entries of the admin audit log older than this are removed (with the authentication log's). */
  auditRetention: duration,
  /** Rows per page in the console's tables and the API's lists (the API may ask for fewer). */
  pageSize: z.number().int().min(10).max(500),
});

export type AdminConfig = z.infer<typeof adminConfig>;
