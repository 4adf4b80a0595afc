import { AndFilter, EqualityFilter, ExtensibleFilter, FilterParser, OrFilter, type Filter } from 'ldapts';
import { escapeFilterValue } from './escape.ts';

// Search filters as ldapts Filter objects. A value typed by a user goes into an EqualityFilter as
// data: it is never parsed, so `*`, `(`, `\`, NUL or non-ASCII bytes cannot change the filter.
// (ldapts' own string parser also decodes `\c3\a9` escapes byte by byte into the wrong
// characters, another reason not to build filter strings from values.)

/** AD's LDAP_MATCHING_RULE_IN_CHAIN: walks member links transitively on the server. */
export const IN_CHAIN = '1.2.840.113556.1.4.1941';

/** Parses the operator's configured filter (e.g. the user filter); throws with the reason. */
export function parseConfiguredFilter(text: string): Filter {
  return FilterParser.parseString(text);
}

/** (&<base>(<attribute>=<value>)) */
export function attributeEquals(base: Filter, attribute: string, value: string | Buffer): Filter {
  return new AndFilter({ filters: [base, new EqualityFilter({ attribute, value })] });
}

/** (&<base>(|(<attribute1>=<value>)(<attribute2>=<value>)…)) */
export function anyAttributeEquals(base: Filter, attributes: string[], value: string): Filter {
  const any = new OrFilter({ filters: attributes.map((attribute) => new EqualityFilter({ attribute, value })) });
  return new AndFilter({ filters: [base, any] });
}

/** Groups that contain userDn directly or through other groups (AD only). */
export function groupsInChain(userDn: string): Filter {
  return new AndFilter({
    filters: [
      new EqualityFilter({ attribute: 'objectClass', value: 'group' }),
      new ExtensibleFilter({ matchType: 'member', rule: IN_CHAIN, value: userDn }),
    ],
  });
}

/** The RFC 4515 text of a filter built here, for logs. */
export function describeFilter(filter: Filter): string {
  if (filter instanceof AndFilter) return `(&${filter.filters.map(describeFilter).join('')})`;
  if (filter instanceof OrFilter) return `(|${filter.filters.map(describeFilter).join('')})`;
  if (filter instanceof EqualityFilter) return `(${filter.attribute}=${escapeFilterValue(filter.value)})`;
  if (filter instanceof ExtensibleFilter)
    return `(${filter.matchType}:${filter.rule}:=${escapeFilterValue(filter.value)})`;
  return filter.toString();
}
