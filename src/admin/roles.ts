import type { AdminConfig, AdminRole } from '../config/admin.ts';
import { ADMIN_ROLES } from '../config/admin.ts';
import type { DirectoryUser } from '../directory/contract.ts';

// What each role may do, in one table: every console page, form and API operation names one of
// these permissions, and src/admin/access.ts is the one place that checks it (and writes a
// refusal to the audit log).

export type Permission =
  | 'overview:read'
  | 'users:read'
  /** Remove authenticators and browsers, make bypass codes and activation links, sign users out. */
  | 'users:write'
  | 'users:export'
  | 'applications:read'
  | 'applications:write'
  | 'policies:read'
  | 'policies:write'
  /** The organisation-wide passwordless switch. */
  | 'passwordless:write'
  /** The authentication log: search and export. */
  | 'log:read'
  | 'audit:read'
  /** Who holds which admin role. */
  | 'roles:read'
  /** Grant and revoke admin roles (owners). */
  | 'roles:write';

const READ: Permission[] = [
  'overview:read',
  'users:read',
  'applications:read',
  'policies:read',
  'log:read',
  'audit:read',
  'roles:read',
];

export const GRANTS: Record<AdminRole, ReadonlySet<Permission>> = {
  owner: new Set([
    ...READ,
    'users:write',
    'users:export',
    'applications:write',
    'policies:write',
    'passwordless:write',
    'roles:write',
  ]),
  administrator: new Set([...READ, 'users:write', 'users:export', 'applications:write', 'policies:write']),
  'help-desk': new Set(['overview:read', 'users:read', 'users:write', 'log:read']),
  'read-only': new Set([...READ, 'users:export']),
};

/** How roles read on pages. */
export const ROLE_NAMES: Record<AdminRole, string> = {
  owner: 'owner',
  administrator: 'administrator',
  'help-desk': 'help desk',
  'read-only': 'read-only',
};

export function allows(role: AdminRole, permission: Permission): boolean {
  return GRANTS[role].has(permission);
}

/** The strongest of several roles (ADMIN_ROLES lists them strongest first). */
function strongest(roles: AdminRole[]): AdminRole | undefined {
  return ADMIN_ROLES.find((role) => roles.includes(role));
}

/** Who holds a role: by username, and by group (the file's admin.users/groups, or the console's grants). */
export type RoleSource = Pick<AdminConfig, 'users' | 'groups'>;

/**
 * The console role of a directory user: by username, or by any group (case-insensitive), in any
 * of the sources (the config file's, the console's grants); the strongest wins.
 */
export function roleOf(
  user: Pick<DirectoryUser, 'username' | 'groups'>,
  ...sources: RoleSource[]
): AdminRole | undefined {
  const name = user.username.toLowerCase();
  const groups = new Set(user.groups.map((g) => g.toLowerCase()));
  const roles = sources.flatMap((source) => [
    ...Object.entries(source.users)
      .filter(([username]) => username.toLowerCase() === name)
      .map(([, role]) => role),
    ...Object.entries(source.groups)
      .filter(([group]) => groups.has(group.toLowerCase()))
      .map(([, role]) => role),
  ]);
  return strongest(roles);
}
