import {
  AndFilter,
  EqualityFilter,
  ExtensibleFilter,
  OrFilter,
  PresenceFilter,
  SubstringFilter,
  type Filter,
} from 'ldapts';
import type { LdapConfig } from '../config/ldap.ts';
import type { Entry, LdapConnection } from './connection.ts';
import { strings } from './entry.ts';
import { firstRdnValue, normalizeDn } from './escape.ts';
import { IN_CHAIN } from './filters.ts';
import type { Groups } from './groups.ts';

// The console's user searches (src/directory/contract.ts, UserSearch) as LDAP filters. Typed text
// goes into SubstringFilter and EqualityFilter objects as data, never parsed as filter syntax, so
// "*", "(", ")", "\" or NUL in it match those characters and nothing else. A search asks the
// server for at most limit + 1 entries (sizeLimit), which tells "more" without reading them all.

/** Object classes of groups: AD's, and the usual OpenLDAP ones. */
const GROUP_CLASSES = ['group', 'groupOfNames', 'groupOfUniqueNames', 'posixGroup'];

/** Whose name, email, display name, cn or UPN holds `text` (case as the server's matching rule has it). */
export function textFilter(config: LdapConfig, text: string): Filter {
  const a = config.attributes;
  const attributes = [
    ...new Set(
      [a.username, a.email, a.displayName, a.upn, 'cn', ...config.loginAttributes].filter((x): x is string => !!x),
    ),
  ];
  return new OrFilter({ filters: attributes.map((attribute) => new SubstringFilter({ attribute, any: [text] })) });
}

/** Groups named `name` (their cn). */
export function groupFilter(name: string): Filter {
  return new AndFilter({
    filters: [
      new OrFilter({ filters: GROUP_CLASSES.map((value) => new EqualityFilter({ attribute: 'objectClass', value })) }),
      new EqualityFilter({ attribute: 'cn', value: name }),
    ],
  });
}

/** Members of one of these groups: nested with AD (the DC walks the chain), direct otherwise. */
export function memberFilter(config: LdapConfig, groupDns: string[]): Filter {
  const attribute = config.attributes.groups ?? 'memberOf';
  const nested = config.flavor === 'ad' && config.nestedGroups;
  return new OrFilter({
    filters: groupDns.map((dn) =>
      nested
        ? new ExtensibleFilter({ matchType: attribute, rule: IN_CHAIN, value: dn })
        : new EqualityFilter({ attribute, value: dn }),
    ),
  });
}

/**
 * The DNs of the groups called `name`, anywhere in the directory's naming contexts (groups often
 * live outside the users' base DNs, as ou=groups beside ou=people).
 */
export async function groupDns(connection: LdapConnection, name: string): Promise<string[]> {
  const found = new Map<string, string>();
  for (const base of await namingContexts(connection)) {
    const entries = await connection.search({
      base,
      scope: 'sub',
      filter: groupFilter(name),
      attributes: ['1.1'],
      sizeLimit: 100,
    });
    for (const entry of entries) found.set(normalizeDn(entry.dn), entry.dn);
  }
  return [...found.values()];
}

/** The root DSE's naming contexts (AD: its default one, without the configuration partitions). */
async function namingContexts(connection: LdapConnection): Promise<string[]> {
  const [root] = await connection.search({
    base: '',
    scope: 'base',
    filter: new PresenceFilter({ attribute: 'objectClass' }),
    attributes: ['namingContexts', 'defaultNamingContext'],
  });
  if (!root) return [];
  const preferred = strings(root, 'defaultNamingContext');
  return preferred.length > 0 ? preferred : strings(root, 'namingContexts');
}

/** The direct groups of an entry, from its memberOf values (no further searches). */
export function directGroups(entry: Entry, config: LdapConfig): Groups {
  const dns = strings(entry, config.attributes.groups ?? 'memberOf');
  return { dns, names: dns.map(nameOf) };
}

function nameOf(dn: string): string {
  try {
    return firstRdnValue(dn);
  } catch {
    return dn;
  }
}
