import { it } from 'mocha';
import assert from 'node:assert/strict';
import { codeAt } from './otp.ts';
import { parseTokenCsv, splitCsvLine, TokenFileError } from './token-csv.ts';

const HEX = '3132333435363738393031323334353637383930'; // "12345678901234567890"
const BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

function problems(text: string, encoding: 'hex' | 'base32' = 'hex'): string[] {
  try {
    parseTokenCsv(text, encoding);
  } catch (err) {
    assert.ok(err instanceof TokenFileError);
    assert.match(err.message, /nothing was imported/);
    return err.problems;
  }
  assert.fail('expected the file to be refused');
}

it('serial,secret,type lines without a header, with defaults for the rest', () => {
  const tokens = parseTokenCsv(`# vendor file\nA1,${HEX},hotp\n\nA2,${HEX},TOTP\r\n`, 'hex');
  assert.deepEqual(
    tokens.map((t) => [t.serial, t.type, t.digits, t.period, t.counter, t.algorithm]),
    [
      ['A1', 'hotp', 6, 30, 0, 'SHA1'],
      ['A2', 'totp', 6, 30, 0, 'SHA1'],
    ],
  );
  assert.equal(codeAt(tokens[0]!, 0), '755224', 'the hex secret decodes to the RFC 4226 key');
});

it('a header names the columns in any order, with digits, period, counter and algorithm', () => {
  const [token] = parseTokenCsv(
    `type,serial,digits,period,counter,algorithm,secret\ntotp,"B 1",8,60,0,sha-256,${BASE32}`.replace('"B 1"', 'B1'),
    'base32',
  );
  assert.deepEqual(
    { ...token, secret: undefined },
    { serial: 'B1', type: 'totp', digits: 8, period: 60, counter: 0, algorithm: 'SHA256', secret: undefined },
  );
  assert.equal(parseTokenCsv(`serial,secret,type,counter\nC1,${HEX},hotp,7`, 'hex')[0]!.counter, 7);
});

it('every bad field is reported with its line, column and what is expected, without the secret', () => {
  const found = problems(
    [
      'serial,secret,type,digits',
      `ok-1,${HEX},hotp,6`,
      'bad serial!,zz,otp,9',
      `ok-2,${HEX.slice(0, 20)},totp,`,
      `ok-1,${HEX},hotp,6`,
    ].join('\n'),
  );
  assert.deepEqual(found, [
    'line 3, column 1 (serial): "bad serial!": expected 1-64 letters, digits or "._-"',
    'line 3, column 2 (secret): expected hexadecimal digits (an even number of 0-9, a-f); use --encoding base32 if the file has base32 secrets',
    'line 3, column 3 (type): "otp": expected hotp or totp',
    'line 3, column 4 (digits): "9": expected a whole number from 6 to 8',
    'line 4, column 2 (secret): 10 bytes, expected at least 16 (128 bits)',
    'line 5: serial "ok-1" is also on line 2',
  ]);
  assert.ok(!found.join('\n').includes(HEX.slice(0, 20)));
});

it('a long value in the wrong column is not repeated in the message (it may be a secret)', () => {
  assert.deepEqual(problems(`A1,hotp,${HEX}`), [
    'line 1, column 2 (secret): expected hexadecimal digits (an even number of 0-9, a-f); use --encoding base32 if the file has base32 secrets',
    'line 1, column 3 (type): a value of 40 characters: expected hotp or totp',
  ]);
});

it('headers with unknown or missing columns, extra columns and empty files are refused', () => {
  assert.deepEqual(problems('serial,seed\nA,B'), [
    'line 1: unknown column "seed"; expected serial, secret, type, digits, period, counter, algorithm',
    'line 1: the header has no "secret" column',
    'line 1: the header has no "type" column',
  ]);
  assert.deepEqual(problems(`serial,secret,type\nA,${HEX},hotp,6`), [
    'line 2: 4 columns, expected at most 3 (serial, secret, type)',
  ]);
  assert.deepEqual(problems('\n# nothing\n'), ['no tokens in the file; expected lines of serial,secret,type']);
  assert.deepEqual(problems(`A,${HEX},hotp`, 'base32'), [
    'line 1, column 2 (secret): expected base32 (A-Z, 2-7); use --encoding hex if the file has hex secrets',
  ]);
});

it('quoted CSV fields may hold commas and quotes', () => {
  assert.deepEqual(splitCsvLine('a,"b,c","d ""e""",'), ['a', 'b,c', 'd "e"', '']);
});
