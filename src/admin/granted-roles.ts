import type { AdminRole } from '../config/admin.ts';
import type { Store } from '../store/contract.ts';
import { records } from '../store/records.ts';

// The admin roles owners grant in the console, beside the file's admin.users and admin.groups
// (which stay read-only there). Kept in one durable store record that the console reads on every
// request, so a grant or a revocation applies at once on every node, with no announcement to lose.
// Changes go through compareAndSet: two owners changing roles at once cannot undo each other, and
// the last-owner check sees the state it changes.

// A type, not an interface, so that it is assignable to the store's Json.
export type GrantedRoles = {
  /** By username as the directory spells it. */
  users: Record<string, AdminRole>;
  /** By group name. */
  groups: Record<string, AdminRole>;
  updatedAt: number;
  updatedBy: string;
};

const stored = records.adminRoles.holding<GrantedRoles>();

export const NO_GRANTS: GrantedRoles = { users: {}, groups: {}, updatedAt: 0, updatedBy: '' };

/** How many times a change is tried again when another one got in between. */
const ATTEMPTS = 5;

export class AdminRoleGrants {
  constructor(private readonly store: Store) {}

  async get(): Promise<GrantedRoles> {
    return (await stored.get(this.store)) ?? NO_GRANTS;
  }

  /**
   * Applies `change` to the current grants and writes the result only if nobody wrote in between
   * (otherwise reads again and retries); `change` throws to refuse. Answers the before and after.
   */
  async update(
    change: (current: GrantedRoles) => GrantedRoles,
  ): Promise<{ before: GrantedRoles; after: GrantedRoles }> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const found = await stored.getVersioned(this.store);
      const before = found?.value ?? NO_GRANTS;
      const after = change(before);
      const written = found
        ? await stored.compareAndSet(this.store, found.version, after)
        : await stored.createIfAbsent(this.store, after);
      if (written) return { before, after };
    }
    throw new Error(`admin roles: ${ATTEMPTS} concurrent changes in a row; not changed`);
  }
}
