import { z } from 'zod';
import { ADMIN_ROLES, adminRole, type AdminRole } from '../../config/admin.ts';
import { LatchError } from '../../util/errors.ts';
import type { AdminDeps } from '../deps.ts';
import type { GrantedRoles } from '../granted-roles.ts';
import { operation, type Operation } from '../operation.ts';
import { badInput } from '../problems.ts';
import type { RoleSource } from '../roles.ts';
import { notFound } from './common.ts';
import { fileManaged } from './saml-apps.ts';

// Who holds which admin role, and (owners only) granting and revoking roles in the console. The
// file's admin.users and admin.groups are listed as "managed by file" and cannot be changed here;
// a grant for a name the file lists is refused rather than silently stacked on it. Whatever
// changes, at least one owner is left.

const KINDS = { users: 'user', groups: 'group' } as const;
type Kind = keyof typeof KINDS;

const holderParams = z.strictObject({
  kind: z.enum(['users', 'groups'], { error: 'expected users or groups' }),
  name: z.string().min(1).max(256).describe('A username (as the directory knows it) or a group name.'),
});

const holderView = z.object({
  kind: z.enum(['user', 'group']),
  name: z.string(),
  role: z.enum(ADMIN_ROLES),
  managedBy: z.enum(['file', 'console']),
});
type Holder = z.infer<typeof holderView>;

function holders(source: RoleSource, managedBy: Holder['managedBy']): Holder[] {
  return (Object.keys(KINDS) as Kind[]).flatMap((kind) =>
    Object.entries(source[kind]).map(([name, role]) => ({ kind: KINDS[kind], name, role, managedBy })),
  );
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The console's key for `name` (its spelling when granted already), if any. */
const grantedKey = (grants: GrantedRoles, kind: Kind, name: string) =>
  Object.keys(grants[kind]).find((key) => sameName(key, name));

const owners = (file: RoleSource, grants: GrantedRoles) =>
  [...holders(file, 'file'), ...holders(grants, 'console')].filter((h) => h.role === 'owner').length;

/** Refuses a change that would take away the last owner (a Latch run by API tokens alone may have none yet). */
function keepAnOwner(file: RoleSource, before: GrantedRoles, after: GrantedRoles, what: string): void {
  if (owners(file, after) > 0 || owners(file, before) === 0) return;
  throw new LatchError({
    status: 409,
    code: 'last_owner',
    publicMessage: `${what} would leave this Latch without an owner, and nobody could manage roles any more.`,
    hint: 'Grant the owner role to someone else first.',
  });
}

export function adminRoleOperations(deps: AdminDeps): Operation[] {
  const file = deps.config.admin;
  const grants = deps.roleGrants;
  const target = (p: Record<string, string>) => `${KINDS[p.kind as Kind] ?? p.kind ?? '?'} ${p.name ?? '?'}`;
  const inFile = (kind: Kind, name: string) => Object.keys(file[kind]).some((key) => sameName(key, name));
  return [
    operation({
      id: 'listAdminRoles',
      method: 'get',
      path: '/roles',
      tag: 'Administrators',
      summary: 'Who holds which admin role',
      description:
        "The configuration file's admin.users and admin.groups (managedBy file, read-only here) and the roles granted in the console.",
      permission: 'roles:read',
      target: () => 'admin roles',
      response: z.object({ roles: z.array(holderView) }),
      async run() {
        return { roles: [...holders(file, 'file'), ...holders(await grants.get(), 'console')] };
      },
    }),
    operation({
      id: 'grantAdminRole',
      method: 'put',
      path: '/roles/{kind}/{name}',
      tag: 'Administrators',
      summary: 'Grant an admin role to a user or a group (owners)',
      description: 'Applies at once on every node, at the next request of the console. Replaces a role granted before.',
      permission: 'roles:write',
      changes: true,
      target,
      params: holderParams,
      body: z.strictObject({ role: adminRole }),
      response: holderView,
      async run({ params, body, caller, note }) {
        const name = await holderName(deps, params.kind, params.name);
        if (inFile(params.kind, name)) throw fileManaged(`The role of ${KINDS[params.kind]} ${name}`);
        const { before, after } = await grants.update((current) => {
          const key = grantedKey(current, params.kind, name) ?? name;
          const next = withRole(current, params.kind, key, body.role, `${caller.kind} ${caller.name}`);
          keepAnOwner(file, current, next, `Making ${key} ${body.role}`);
          return next;
        });
        note({ before: roleIn(before, params.kind, name), after: roleIn(after, params.kind, name) });
        return { kind: KINDS[params.kind], name, role: body.role, managedBy: 'console' as const };
      },
    }),
    operation({
      id: 'revokeAdminRole',
      method: 'delete',
      path: '/roles/{kind}/{name}',
      tag: 'Administrators',
      summary: 'Revoke an admin role granted in the console (owners)',
      description:
        'The user or group loses the role at once on every node; roles from the file cannot be revoked here.',
      permission: 'roles:write',
      changes: true,
      target,
      params: holderParams,
      response: z.object({ revoked: holderView }),
      async run({ params, caller, note }) {
        if (inFile(params.kind, params.name)) throw fileManaged(`The role of ${KINDS[params.kind]} ${params.name}`);
        let revoked: Holder | undefined;
        const { before, after } = await grants.update((current) => {
          const key = grantedKey(current, params.kind, params.name);
          if (!key) throw notFound(`No role granted in the console to ${KINDS[params.kind]} "${params.name}"`);
          revoked = { kind: KINDS[params.kind], name: key, role: current[params.kind][key]!, managedBy: 'console' };
          const next = withRole(current, params.kind, key, undefined, `${caller.kind} ${caller.name}`);
          keepAnOwner(file, current, next, `Revoking the role of ${key}`);
          return next;
        });
        note({ before: roleIn(before, params.kind, params.name), after: roleIn(after, params.kind, params.name) });
        return { revoked: revoked! };
      },
    }),
  ];
}

/** The name a grant is kept under: a user as the directory spells it (refused if unknown); a group as given. */
async function holderName(deps: AdminDeps, kind: Kind, name: string): Promise<string> {
  if (kind === 'groups') return name.trim();
  const user = await deps.directory.findUser(name);
  if (!user) throw badInput('name', `no user "${name}" in the ${deps.directory.kind} directory`);
  return user.username;
}

function withRole(
  current: GrantedRoles,
  kind: Kind,
  key: string,
  role: AdminRole | undefined,
  by: string,
): GrantedRoles {
  const rest = Object.fromEntries(Object.entries(current[kind]).filter(([k]) => k !== key));
  return { ...current, [kind]: role ? { ...rest, [key]: role } : rest, updatedAt: Date.now(), updatedBy: by };
}

function roleIn(grants: GrantedRoles, kind: Kind, name: string): { role: AdminRole | null } {
  const key = grantedKey(grants, kind, name);
  return { role: key ? grants[kind][key]! : null };
}
