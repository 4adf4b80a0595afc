import { OTP_ALGORITHMS, base32Bytes, secretFromBytes, type OtpAlgorithm } from './otp.ts';

// The file a hardware-token vendor ships (or an operator writes): one token per line,
// serial,secret,type — optionally followed by digits, period, counter and algorithm, or with a
// header line naming the columns in any order. Secrets are hex (how vendors ship seeds) unless
// the import says base32. Every problem in the file is reported with its line number, and a file
// with any problem imports nothing. Secrets never appear in the messages.

export interface TokenDefinition {
  serial: string;
  /** Base32. */
  secret: string;
  type: 'hotp' | 'totp';
  digits: number;
  period: number;
  counter: number;
  algorithm: OtpAlgorithm;
}

export type SecretEncoding = 'hex' | 'base32';

export class TokenFileError extends Error {
  constructor(readonly problems: string[]) {
    super(`the token file has ${problems.length} problem(s); nothing was imported:\n  - ${problems.join('\n  - ')}`);
    this.name = 'TokenFileError';
  }
}

const COLUMNS = ['serial', 'secret', 'type', 'digits', 'period', 'counter', 'algorithm'] as const;
type Column = (typeof COLUMNS)[number];
const REQUIRED: Column[] = ['serial', 'secret', 'type'];
/** RFC 4226 R6: a shared secret of at least 128 bits. */
const MIN_SECRET_BYTES = 16;
const MAX_SECRET_BYTES = 64;
export const SERIAL = /^[A-Za-z0-9._-]{1,64}$/;

export function parseTokenCsv(text: string, encoding: SecretEncoding): TokenDefinition[] {
  const problems: string[] = [];
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((line, i) => ({ number: i + 1, fields: splitCsvLine(line) }))
    .filter((l) => l.fields.some((f) => f !== '') && !l.fields[0]!.startsWith('#'));
  let columns: Column[] = [...COLUMNS];
  if ((COLUMNS as readonly string[]).includes(lines[0]?.fields[0]?.trim().toLowerCase() ?? '')) {
    const header = lines.shift()!;
    columns = [];
    for (const name of header.fields.map((f) => f.trim().toLowerCase())) {
      if ((COLUMNS as readonly string[]).includes(name)) columns.push(name as Column);
      else problems.push(`line ${header.number}: unknown column "${name}"; expected ${COLUMNS.join(', ')}`);
    }
    for (const required of REQUIRED)
      if (!columns.includes(required)) problems.push(`line ${header.number}: the header has no "${required}" column`);
  }
  if (lines.length === 0 && problems.length === 0)
    problems.push('no tokens in the file; expected lines of serial,secret,type');

  const tokens: TokenDefinition[] = [];
  const seen = new Map<string, number>();
  for (const { number, fields } of problems.length === 0 ? lines : []) {
    const bad = (message: string) => problems.push(`line ${number}: ${message}`);
    if (fields.length > columns.length) {
      bad(`${fields.length} columns, expected at most ${columns.length} (${columns.join(', ')})`);
      continue;
    }
    const value = (column: Column) => fields[columns.indexOf(column)]?.trim() ?? '';
    const where = (column: Column) => `line ${number}, column ${columns.indexOf(column) + 1} (${column})`;
    const token = parseToken(value, encoding, (column, message) => problems.push(`${where(column)}: ${message}`));
    if (!token) continue;
    const earlier = seen.get(token.serial);
    if (earlier !== undefined) bad(`serial "${token.serial}" is also on line ${earlier}`);
    else {
      seen.set(token.serial, number);
      tokens.push(token);
    }
  }
  if (problems.length > 0) throw new TokenFileError(problems);
  return tokens;
}

type Problem = (column: Column, message: string) => void;

function parseToken(
  value: (column: Column) => string,
  encoding: SecretEncoding,
  problem: Problem,
): TokenDefinition | undefined {
  let ok = true;
  const fail: Problem = (column, message) => {
    ok = false;
    problem(column, message);
  };
  const serial = value('serial');
  if (!SERIAL.test(serial)) fail('serial', `${shown(serial)}: expected 1-64 letters, digits or "._-"`);
  const secret = decodeSecret(value('secret'), encoding);
  if (typeof secret === 'string') fail('secret', secret);
  const type = value('type').toLowerCase();
  if (type !== 'hotp' && type !== 'totp') fail('type', `${shown(value('type'))}: expected hotp or totp`);
  const digits = integer(value('digits'), 6, 6, 8, (message) => fail('digits', message));
  const period = integer(value('period'), 30, 10, 300, (message) => fail('period', `${message} seconds`));
  const counter = integer(value('counter'), 0, 0, Number.MAX_SAFE_INTEGER, (message) => fail('counter', message));
  const algorithm = (value('algorithm') || 'SHA1').toUpperCase().replace('-', '');
  if (!(OTP_ALGORITHMS as readonly string[]).includes(algorithm))
    fail('algorithm', `${shown(value('algorithm'))}: expected ${OTP_ALGORITHMS.join(', ')}`);
  if (!ok || typeof secret === 'string') return undefined;
  return {
    serial,
    secret: secretFromBytes(secret),
    type: type as 'hotp' | 'totp',
    digits,
    period,
    counter,
    algorithm: algorithm as OtpAlgorithm,
  };
}

/**
 * A bad value as the message quotes it. Long values are not repeated: in a file whose columns
 * are out of place, a long value in the wrong column is likely a secret.
 */
function shown(text: string): string {
  if (text === '') return 'empty';
  return text.length <= 16 ? `"${text}"` : `a value of ${text.length} characters`;
}

/** The secret's bytes, or what is wrong with it (without repeating it). */
function decodeSecret(text: string, encoding: SecretEncoding): Uint8Array | string {
  if (text === '') return 'is empty';
  let bytes: Uint8Array | undefined;
  if (encoding === 'hex') {
    const clean = text.replace(/\s/g, '');
    bytes = /^([0-9a-fA-F]{2})+$/.test(clean) ? Buffer.from(clean, 'hex') : undefined;
  } else {
    bytes = base32Bytes(text);
  }
  if (!bytes)
    return `expected ${encoding === 'hex' ? 'hexadecimal digits (an even number of 0-9, a-f)' : 'base32 (A-Z, 2-7)'}; use --encoding ${encoding === 'hex' ? 'base32' : 'hex'} if the file has ${encoding === 'hex' ? 'base32' : 'hex'} secrets`;
  if (bytes.length < MIN_SECRET_BYTES) return `${bytes.length} bytes, expected at least ${MIN_SECRET_BYTES} (128 bits)`;
  if (bytes.length > MAX_SECRET_BYTES) return `${bytes.length} bytes, expected at most ${MAX_SECRET_BYTES}`;
  return bytes;
}

function integer(text: string, fallback: number, min: number, max: number, fail: (message: string) => void): number {
  if (text === '') return fallback;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    fail(`${shown(text)}: expected a whole number from ${min} to ${max}`);
    return fallback;
  }
  return n;
}

/** Splits one CSV line: commas, and double quotes around fields that hold commas or quotes. */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}
