// Escaping for the two places where text becomes LDAP syntax.
//
// Filters: Latch builds search filters as ldapts Filter objects (./filters.ts), so a value typed
// by a user is never parsed as filter syntax at all. escapeFilterValue is the RFC 4515 text form
// of the same values, used when a filter is shown in logs.
//
// DNs: Latch binds only with DNs the directory returned, never with text a user typed. It parses
// DNs (RFC 4514) to read a group's name and to compare DNs, and builds them only in tests.

/** RFC 4515: `*`, `(`, `)`, `\`, NUL and every non-ASCII byte become `\xx`. */
export function escapeFilterValue(value: string | Buffer): string {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  let out = '';
  for (const byte of bytes) {
    const special = byte === 0x2a || byte === 0x28 || byte === 0x29 || byte === 0x5c || byte === 0 || byte >= 0x80;
    out += special ? `\\${byte.toString(16).padStart(2, '0')}` : String.fromCharCode(byte);
  }
  return out;
}

/** RFC 4514 escaping of one attribute value inside a DN. */
export function escapeDnValue(value: string): string {
  let out = value.replace(/[\\",+;<>=]/g, (c) => `\\${c}`).replace(/\0/g, '\\00');
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

export interface Ava {
  type: string;
  value: string;
}

/** Parses an RFC 4514 DN into RDNs, each a list of attribute-value pairs. Throws on bad syntax. */
export function parseDn(dn: string): Ava[][] {
  const rdns: Ava[][] = [];
  let rdn: Ava[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`invalid DN (${why} at ${i}): ${JSON.stringify(dn)}`);
  };
  while (i < dn.length) {
    while (dn[i] === ' ') i++;
    const eq = dn.indexOf('=', i);
    if (eq < 0) fail('expected "="');
    const type = dn.slice(i, eq).trim();
    if (!/^([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)*)$/.test(type)) fail('bad attribute type');
    i = eq + 1;
    const bytes: number[] = [];
    let end = i;
    for (; end < dn.length; end++) {
      const c = dn[end]!;
      if (c === ',' || c === '+' || c === ';') break;
      if (c === '\\') {
        const hex = dn.slice(end + 1, end + 3);
        if (/^[0-9a-fA-F]{2}$/.test(hex)) {
          bytes.push(parseInt(hex, 16));
          end += 2;
        } else if (end + 1 < dn.length) {
          bytes.push(...Buffer.from(dn[end + 1]!, 'utf8'));
          end += 1;
        } else fail('dangling "\\"');
      } else bytes.push(...Buffer.from(c, 'utf8'));
    }
    // Unescaped trailing spaces are not part of the value (RFC 4514 section 3).
    let value = Buffer.from(bytes).toString('utf8');
    const raw = dn.slice(i, end);
    if (/ +$/.test(raw) && !/\\ $/.test(raw)) value = value.replace(/ +$/, '');
    rdn.push({ type, value });
    i = end;
    const sep = dn[i];
    i++;
    if (sep !== '+') {
      rdns.push(rdn);
      rdn = [];
    }
  }
  if (rdn.length > 0) rdns.push(rdn);
  return rdns;
}

/** The value of a DN's first attribute: a group's name from `CN=Sales\, EMEA,OU=Groups,…`. */
export function firstRdnValue(dn: string): string {
  return parseDn(dn)[0]?.[0]?.value ?? dn;
}

/** A form of the DN in which equal DNs compare equal (case and escaping differences removed). */
export function normalizeDn(dn: string): string {
  return parseDn(dn)
    .map((rdn) =>
      rdn
        .map((ava) => `${ava.type.toLowerCase()}=${escapeDnValue(ava.value.toLowerCase())}`)
        .sort()
        .join('+'),
    )
    .join(',');
}
