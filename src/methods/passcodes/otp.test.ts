import { it } from 'mocha';
import assert from 'node:assert/strict';
import { base32Bytes, codeAt, findCounter, otpauthUri, secretFromBytes, timeStep, type OtpKey } from './otp.ts';

// RFC 4226 appendix D and RFC 6238 appendix B test vectors.

const ascii = (text: string) => secretFromBytes(Buffer.from(text, 'ascii'));
const sha1Key: OtpKey = { secret: ascii('12345678901234567890'), algorithm: 'SHA1', digits: 6 };

it('HOTP codes match RFC 4226 appendix D', () => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  assert.deepEqual(
    expected.map((_, counter) => codeAt(sha1Key, counter)),
    expected,
  );
});

it('TOTP codes match RFC 6238 appendix B for SHA-1, SHA-256 and SHA-512', () => {
  const keys: Record<string, OtpKey> = {
    SHA1: { secret: ascii('12345678901234567890'), algorithm: 'SHA1', digits: 8 },
    SHA256: { secret: ascii('12345678901234567890123456789012'), algorithm: 'SHA256', digits: 8 },
    SHA512: {
      secret: ascii('1234567890123456789012345678901234567890123456789012345678901234'),
      algorithm: 'SHA512',
      digits: 8,
    },
  };
  const vectors: Array<[number, string, string]> = [
    [59, 'SHA1', '94287082'],
    [59, 'SHA256', '46119246'],
    [59, 'SHA512', '90693936'],
    [1111111109, 'SHA1', '07081804'],
    [1111111109, 'SHA256', '68084774'],
    [1111111109, 'SHA512', '25091201'],
    [1234567890, 'SHA1', '89005924'],
    [1234567890, 'SHA256', '91819424'],
    [1234567890, 'SHA512', '93441116'],
    [2000000000, 'SHA1', '69279037'],
    [2000000000, 'SHA256', '90698825'],
    [2000000000, 'SHA512', '38618901'],
    [20000000000, 'SHA1', '65353130'],
    [20000000000, 'SHA256', '77737706'],
    [20000000000, 'SHA512', '47863826'],
  ];
  for (const [seconds, algorithm, code] of vectors) {
    assert.equal(codeAt(keys[algorithm]!, timeStep(seconds * 1000, 30)), code, `${algorithm} at T=${seconds}`);
  }
});

it('findCounter finds the counter of a code within the range only', () => {
  assert.equal(findCounter(sha1Key, '969429', 0, 9), 3);
  assert.equal(findCounter(sha1Key, '969429', 4, 9), undefined);
  assert.equal(findCounter(sha1Key, '96942', 0, 9), undefined, 'wrong length');
});

it('base32 secrets are read with or without spaces and padding, and refused when not base32', () => {
  const secret = ascii('12345678901234567890');
  assert.deepEqual(base32Bytes(secret.toLowerCase().replace(/(.{4})/g, '$1 ')), base32Bytes(secret));
  assert.equal(base32Bytes('not base32!'), undefined);
  assert.equal(base32Bytes(''), undefined);
});

it('the otpauth URI names the issuer and account and carries the secret, digits and period', () => {
  const uri = new URL(
    otpauthUri({ issuer: 'Latch', account: 'alice', secret: sha1Key.secret, digits: 6, periodSeconds: 30 }),
  );
  assert.equal(uri.protocol, 'otpauth:');
  assert.equal(uri.host, 'totp');
  assert.equal(decodeURIComponent(uri.pathname), '/Latch:alice');
  assert.equal(uri.searchParams.get('issuer'), 'Latch');
  assert.equal(uri.searchParams.get('secret'), sha1Key.secret);
  assert.equal(uri.searchParams.get('digits'), '6');
  assert.equal(uri.searchParams.get('period'), '30');
});
