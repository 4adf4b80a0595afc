import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { it } from 'mocha';
import { keysConfig, openssl, tempDir } from '../../test/support/keys.ts';
import { ConfigError } from '../config/load.ts';
import { loadKeyRing } from './index.ts';

const BASE_URL = 'https://idp.example.test';

/** An operator's key and self-signed certificate, made with the openssl CLI. */
function operatorRsa(dir: string, name: string, bits = 2048): { keyFile: string; certFile: string } {
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.crt`);
  openssl([
    'req',
    '-x509',
    '-newkey',
    `rsa:${bits}`,
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-subj',
    `/CN=${name}.example.test`,
    '-days',
    '30',
  ]);
  chmodSync(keyFile, 0o600);
  return { keyFile, certFile };
}

function operatorEc(dir: string, name: string, curve = 'prime256v1'): string {
  const keyFile = path.join(dir, `${name}.key`);
  openssl(['ecparam', '-name', curve, '-genkey', '-noout', '-out', keyFile]);
  chmodSync(keyFile, 0o600);
  return keyFile;
}

/** Asserts a ConfigError with exactly this one problem, and that no keys directory was created. */
async function assertRefused(config: ReturnType<typeof keysConfig>, problem: string | RegExp): Promise<void> {
  await assert.rejects(loadKeyRing(config, BASE_URL), (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.problems.length, 1);
    if (typeof problem === 'string') assert.equal(err.problems[0], problem);
    else assert.match(err.problems[0]!, problem);
    assert.match(err.message, /^Latch cannot start/);
    return true;
  });
  assert.equal(existsSync(config.dir!), false, 'nothing generated when the configuration is refused');
}

it('an imported RSA key and certificate are the current RS256 key, read in place and never rewritten', async () => {
  const dir = tempDir();
  const rsa = operatorRsa(dir, 'signing');
  chmodSync(rsa.keyFile, 0o640); // group-readable, as with Debian's ssl-cert group, is accepted
  const before = [rsa.keyFile, rsa.certFile].map((f) => ({
    text: readFileSync(f, 'utf8'),
    mtime: statSync(f).mtimeMs,
  }));
  const config = keysConfig(dir, { rsa });
  const ring = await loadKeyRing(config, BASE_URL);

  const current = ring.current('RS256');
  assert.equal(current.certificatePem, new X509Certificate(readFileSync(rsa.certFile)).toString());
  assert.equal(new X509Certificate(current.certificatePem!).subject, 'CN=signing.example.test');
  assert.equal(current.privateKeyPem, before[0]!.text);
  assert.equal(ring.next('RS256'), undefined, 'the operator rotates an imported key');
  assert.deepEqual(ring.published('RS256'), [current]);
  assert.equal(ring.next('ES256')?.status, 'next', 'ES256 is still generated');
  const manifest = JSON.parse(readFileSync(path.join(config.dir!, 'keys.json'), 'utf8')) as {
    keys: Array<{ alg: string }>;
  };
  assert.deepEqual(
    manifest.keys.map((k) => k.alg),
    ['ES256', 'ES256'],
  );
  assert.deepEqual(
    [rsa.keyFile, rsa.certFile].map((f) => ({ text: readFileSync(f, 'utf8'), mtime: statSync(f).mtimeMs })),
    before,
  );
  assert.equal((await loadKeyRing(config, BASE_URL)).current('RS256').kid, current.kid);
});

it('an imported P-256 key needs no certificate', async () => {
  const dir = tempDir();
  const keyFile = operatorEc(dir, 'ec');
  const ring = await loadKeyRing(keysConfig(dir, { ec: { keyFile } }), BASE_URL);
  assert.equal(ring.current('ES256').privateKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.equal(ring.current('ES256').privateKeyPem, readFileSync(keyFile, 'utf8'));
  assert.equal(ring.next('ES256'), undefined);
  assert.ok(ring.jwks().keys.some((k) => k.kid === ring.current('ES256').kid && k.crv === 'P-256'));
});

it('a certificate that does not belong to the imported key is refused', async () => {
  const dir = tempDir();
  const a = operatorRsa(dir, 'a');
  const b = operatorRsa(dir, 'b');
  await assertRefused(
    keysConfig(dir, { rsa: { keyFile: a.keyFile, certFile: b.certFile } }),
    `keys.rsa.certFile: ${b.certFile}: the certificate's public key does not match the private key in ${a.keyFile} (keys.rsa.keyFile)`,
  );
});

it('weak or wrong imported keys are refused, naming the config key and the file', async () => {
  const dir = tempDir();
  const weak = operatorRsa(dir, 'weak', 1024);
  await assertRefused(
    keysConfig(dir, { rsa: weak }),
    `keys.rsa.keyFile: ${weak.keyFile}: expected an RSA key of at least 2048 bits, got 1024 bits`,
  );

  const p384 = operatorEc(dir, 'p384', 'secp384r1');
  await assertRefused(
    keysConfig(dir, { ec: { keyFile: p384 } }),
    `keys.ec.keyFile: ${p384}: expected an EC private key on curve P-256, got an EC key (curve secp384r1)`,
  );
  await assertRefused(
    keysConfig(dir, { rsa: { keyFile: p384, certFile: weak.certFile } }),
    `keys.rsa.keyFile: ${p384}: expected an RSA private key, got an EC key (curve secp384r1)`,
  );

  const good = operatorRsa(dir, 'good');
  await assertRefused(
    keysConfig(dir, { rsa: { keyFile: good.keyFile } }),
    'keys.rsa.certFile: required with keys.rsa.keyFile (SAML metadata publishes an RSA key as a certificate)',
  );
  chmodSync(good.keyFile, 0o644);
  await assertRefused(
    keysConfig(dir, { rsa: good }),
    `keys.rsa.keyFile: ${good.keyFile}: private key file has mode 0644; expected 0600 or 0640 (no access for others, no group write). Fix it with: chmod 600 ${good.keyFile}`,
  );
  const missing = path.join(dir, 'missing.key');
  await assertRefused(
    keysConfig(dir, { ec: { keyFile: missing } }),
    `keys.ec.keyFile: ${missing}: cannot read the file (ENOENT)`,
  );
  const notAKey = path.join(dir, 'not-a-key.key');
  copyFileSync(good.certFile, notAKey);
  chmodSync(notAKey, 0o600);
  await assertRefused(
    keysConfig(dir, { rsa: { keyFile: notAKey, certFile: good.certFile } }),
    /^keys\.rsa\.keyFile: \S+not-a-key\.key: not a readable PEM private key/,
  );
});
