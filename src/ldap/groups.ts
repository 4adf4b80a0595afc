import { NoSuchObjectError, PresenceFilter } from 'ldapts';
import type { Entry, LdapConnection } from './connection.ts';
import { strings } from './entry.ts';
import { firstRdnValue, normalizeDn } from './escape.ts';
import { groupsInChain } from './filters.ts';

// A user's groups, by name (the cn) and DN.
// - Direct membership: the user's memberOf (or the configured groups attribute).
// - Nested, AD: one search with the in-chain matching rule, which the DC resolves transitively.
//   (The primary group, usually Domain Users, is in neither memberOf nor that search.)
// - Nested, plain LDAP: walk memberOf of the groups themselves (the memberof overlay keeps it on
//   group entries too), breadth first, each group read once.

export interface Groups {
  names: string[];
  dns: string[];
}

export interface GroupOptions {
  flavor: 'ad' | 'ldap';
  nested: boolean;
  /** Attribute holding the DNs of the groups an entry belongs to (memberOf). */
  attribute: string;
  baseDns: string[];
  pageSize: number;
}

const MAX_GROUPS = 5000;

export async function groupsOf(connection: LdapConnection, user: Entry, options: GroupOptions): Promise<Groups> {
  const direct = strings(user, options.attribute);
  if (!options.nested) return fromDns(direct);
  if (options.flavor === 'ad') return inChain(connection, user.dn, options);
  return walkMemberOf(connection, direct, options);
}

async function inChain(connection: LdapConnection, userDn: string, options: GroupOptions): Promise<Groups> {
  const found = new Map<string, string>();
  for (const base of options.baseDns) {
    const entries = await connection.search({
      base,
      scope: 'sub',
      filter: groupsInChain(userDn),
      attributes: ['cn'],
      pageSize: options.pageSize,
    });
    for (const entry of entries) found.set(entry.dn, strings(entry, 'cn')[0] ?? firstRdnValue(entry.dn));
  }
  return { dns: [...found.keys()], names: [...found.values()] };
}

async function walkMemberOf(connection: LdapConnection, direct: string[], options: GroupOptions): Promise<Groups> {
  const seen = new Map<string, string>();
  let level = direct;
  while (level.length > 0 && seen.size < MAX_GROUPS) {
    const next: string[] = [];
    for (const dn of level) {
      const key = normalizeDn(dn);
      if (seen.has(key)) continue;
      seen.set(key, dn);
      const [group] = await connection
        .search({
          base: dn,
          scope: 'base',
          filter: new PresenceFilter({ attribute: 'objectClass' }),
          attributes: [options.attribute],
        })
        .catch((err: unknown) => {
          if (err instanceof NoSuchObjectError) return []; // a dangling memberOf value
          throw err;
        });
      if (group) next.push(...strings(group, options.attribute));
    }
    level = next;
  }
  return fromDns([...seen.values()]);
}

function fromDns(dns: string[]): Groups {
  return { dns, names: dns.map(firstRdnValue) };
}
