import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { it } from 'mocha';
import { jwkThumbprint } from './jwk.ts';

// RFC 7638 section 3.1: the example RSA key and its published thumbprint.
const RFC_7638_KEY = {
  kty: 'RSA',
  e: 'AQAB',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
};

it('the key id is the RFC 7638 thumbprint (the RFC example gives the RFC answer)', () => {
  const key = createPublicKey({ key: RFC_7638_KEY, format: 'jwk' });
  assert.equal(jwkThumbprint(key), 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
});

it('a P-256 key id is a 43-character base64url SHA-256, the same for the private and public key', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const kid = jwkThumbprint(publicKey);
  assert.match(kid, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(jwkThumbprint(createPublicKey(privateKey)), kid);
  assert.notEqual(jwkThumbprint(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey), kid);
});
