import assert from 'node:assert/strict';
import { createPublicKey, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { it } from 'mocha';
import { keysConfig, openssl, tempDir } from '../../test/support/keys.ts';
import { loadKeyRing, type JsonWebKeySet } from './index.ts';

// oidc-provider ships no types; this is the part of it the test uses.
type ProviderClass = new (issuer: string, config: { jwks: JsonWebKeySet }) => { callback(): RequestListener };
const loadProvider = async (): Promise<ProviderClass> =>
  ((await import('oidc-provider' as string)) as { default: ProviderClass }).default;

const BASE_URL = 'https://idp.example.test';
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

it('jwks() publishes current and next public keys of both algorithms, and nothing private', async () => {
  const ring = await loadKeyRing(keysConfig(tempDir()), BASE_URL);
  const { keys } = ring.jwks();
  const expectedKids = [ring.current('RS256'), ring.current('ES256'), ring.next('RS256')!, ring.next('ES256')!].map(
    (k) => k.kid,
  );
  assert.deepEqual(
    keys.map((k) => k.kid),
    expectedKids,
    'current keys first',
  );
  for (const jwk of keys) {
    assert.equal(jwk.use, 'sig');
    for (const member of PRIVATE_MEMBERS) assert.equal(member in jwk, false, `${String(jwk.kid)} has ${member}`);
    if (jwk.kty === 'RSA') {
      assert.deepEqual(Object.keys(jwk).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use', 'x5c']);
      assert.equal(jwk.alg, 'RS256');
      const [der] = jwk.x5c as string[];
      const key = ring.published('RS256').find((k) => k.kid === jwk.kid)!;
      assert.equal(
        `-----BEGIN CERTIFICATE-----\n${der!.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`,
        key.certificatePem,
      );
    } else {
      assert.deepEqual(Object.keys(jwk).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      assert.equal(jwk.alg, 'ES256');
      assert.equal(jwk.crv, 'P-256');
    }
    // The published key is the signing key: it rebuilds to the same public key.
    const rebuilt = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    const key = [...ring.published('RS256'), ...ring.published('ES256')].find((k) => k.kid === jwk.kid)!;
    assert.ok(rebuilt.equals(key.publicKey));
  }
});

it('privateJwks() carries the private parts, current first, and oidc-provider serves them as its JWKS', async () => {
  const ring = await loadKeyRing(keysConfig(tempDir()), BASE_URL);
  const privateJwks = ring.privateJwks();
  assert.deepEqual(
    privateJwks.keys.map((k) => k.kid),
    ring.jwks().keys.map((k) => k.kid),
  );
  assert.equal(privateJwks.keys[0]!.kid, ring.current('RS256').kid);
  for (const jwk of privateJwks.keys) assert.equal(typeof jwk.d, 'string');

  const Provider = await loadProvider();
  const provider = new Provider('http://127.0.0.1', { jwks: privateJwks });
  const server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`);
    assert.equal(response.status, 200);
    const served = (await response.json()) as { keys: Array<Record<string, unknown>> };
    assert.deepEqual(
      served.keys.map((k) => k.kid),
      ring.jwks().keys.map((k) => k.kid),
    );
    for (const jwk of served.keys) for (const member of PRIVATE_MEMBERS) assert.equal(member in jwk, false);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

it('the openssl CLI accepts the RSA certificate and verifies a signature of the current key with it', async () => {
  const dir = tempDir();
  const ring = await loadKeyRing(keysConfig(dir), BASE_URL);
  const key = ring.current('RS256');
  const certFile = path.join(dir, 'keys', `${key.kid}.crt.pem`);

  const text = openssl(['x509', '-in', certFile, '-noout', '-text']);
  assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
  assert.match(text, /Subject: CN ?= ?idp\.example\.test/);
  assert.match(text, /Public-Key: \(2048 bit\)/);
  assert.match(openssl(['x509', '-in', certFile, '-noout', '-checkend', '0']), /Certificate will not expire/);
  assert.match(openssl(['verify', '-check_ss_sig', '-CAfile', certFile, certFile]), /: OK/);

  const data = Buffer.from('<saml:Assertion ID="_1">signed by Latch</saml:Assertion>');
  const dataFile = path.join(dir, 'data');
  const sigFile = path.join(dir, 'data.sig');
  const pubFile = path.join(dir, 'cert-pub.pem');
  writeFileSync(dataFile, data);
  writeFileSync(sigFile, sign('sha256', data, key.privateKey));
  writeFileSync(pubFile, openssl(['x509', '-in', certFile, '-noout', '-pubkey']));
  assert.match(openssl(['dgst', '-sha256', '-verify', pubFile, '-signature', sigFile, dataFile]), /Verified OK/);
  writeFileSync(dataFile, Buffer.concat([data, Buffer.from('!')]));
  assert.throws(
    () => openssl(['dgst', '-sha256', '-verify', pubFile, '-signature', sigFile, dataFile]),
    /bad signature/,
  );
});
