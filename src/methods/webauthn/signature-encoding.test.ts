import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { it } from 'mocha';
import { isStrictDerSignature, strictSignatureEncoding } from './signature-encoding.ts';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = publicKey.export({ format: 'jwk' });
const coseEc2 = isoCBOR.encode(
  new Map<number, number | Uint8Array>([
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, Buffer.from(jwk.x!, 'base64url')],
    [-3, Buffer.from(jwk.y!, 'base64url')],
  ]),
);
const der = sign('sha256', Buffer.from('signed data'), privateKey);

/** DER of SEQUENCE { INTEGER r, INTEGER s } from the raw integer bytes, as given (padding and all). */
const sequence = (r: number[], s: number[]) =>
  Buffer.from([0x30, r.length + s.length + 4, 0x02, r.length, ...r, 0x02, s.length, ...s]);

it('an ECDSA signature as node:crypto (and authenticators) write it is accepted', () => {
  assert.equal(isStrictDerSignature(der), true);
  assert.equal(strictSignatureEncoding(coseEc2, der), true);
  assert.equal(isStrictDerSignature(sequence([0x01], [0x00, 0x80])), true, 'a zero pad is needed before a high bit');
});

it('other encodings of a signature are refused (one with a trailing byte verified before: malleable)', () => {
  assert.equal(strictSignatureEncoding(coseEc2, Buffer.concat([der, Buffer.from([0])])), false, 'a trailing byte');
  assert.equal(isStrictDerSignature(sequence([0x00, 0x01], [0x01])), false, 'a needless zero pad');
  assert.equal(isStrictDerSignature(sequence([0x81], [0x01])), false, 'a negative integer');
  assert.equal(
    isStrictDerSignature(Buffer.from([0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01])),
    false,
    'a long length form for a short length',
  );
  assert.equal(isStrictDerSignature(der.subarray(0, der.length - 1)), false, 'truncated');
  assert.equal(isStrictDerSignature(Buffer.alloc(0)), false, 'empty');
});

it('keys that are not EC2 (RSA signatures are raw bytes) are not checked here', () => {
  const rsa = isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 3],
      [3, -257],
      [-1, Buffer.alloc(256, 1)],
      [-2, Buffer.from([1, 0, 1])],
    ]),
  );
  assert.equal(strictSignatureEncoding(rsa, Buffer.from([0x30, 0x00, 0xff])), true);
});
