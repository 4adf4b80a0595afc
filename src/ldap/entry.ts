import type { Entry, EntryValue } from './connection.ts';

// Reading values out of search entries. Servers return attribute names in their schema's case
// (sAMAccountName), which need not match the case in the config, so lookups ignore case.

/** Attributes that hold bytes, not text. */
export const BINARY_ATTRIBUTES = new Set(['objectguid', 'objectsid']);

export function isBinary(attribute: string): boolean {
  return BINARY_ATTRIBUTES.has(attribute.toLowerCase());
}

function raw(entry: Entry, attribute: string): EntryValue | undefined {
  const wanted = attribute.toLowerCase();
  for (const [key, value] of Object.entries(entry)) if (key.toLowerCase() === wanted && key !== 'dn') return value;
  return undefined;
}

export function strings(entry: Entry, attribute: string): string[] {
  const value = raw(entry, attribute);
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v)).filter((v) => v !== '');
}

export function firstString(entry: Entry, attribute: string): string | undefined {
  return strings(entry, attribute)[0];
}

export function firstBuffer(entry: Entry, attribute: string): Buffer | undefined {
  const value = raw(entry, attribute);
  const first = Array.isArray(value) ? value[0] : value;
  return Buffer.isBuffer(first) ? first : undefined;
}

/**
 * objectGUID bytes as the usual text form. The first three fields are little-endian on the
 * wire: bytes 33 22 11 00 55 44 77 66 88 99 … read as 00112233-4455-6677-8899-….
 */
export function guidToString(bytes: Buffer): string {
  if (bytes.length !== 16) throw new Error(`objectGUID has ${bytes.length} bytes, expected 16`);
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = [...bytes.subarray(from, to)];
    return (reverse ? part.reverse() : part).map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

/** The inverse of guidToString; undefined for anything that is not a GUID. */
export function guidToBytes(text: string): Buffer | undefined {
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(text);
  if (!m) return undefined;
  const le = (hex: string) => Buffer.from(hex, 'hex').reverse();
  return Buffer.concat([le(m[1]!), le(m[2]!), le(m[3]!), Buffer.from(m[4]! + m[5]!, 'hex')]);
}
