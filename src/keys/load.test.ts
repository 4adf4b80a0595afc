import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'mocha';
import { keysConfig, tempDir } from '../../test/support/keys.ts';
import { loadKeyRing } from './index.ts';

const BASE_URL = 'https://idp.example.test:8443';

interface Entry {
  kid: string;
  alg: string;
  status: string;
  keyFile: string;
  certFile?: string;
}
const manifestOf = (dir: string): { keys: Entry[] } => JSON.parse(readFileSync(path.join(dir, 'keys.json'), 'utf8'));
const snapshot = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir).map((f) => [
      f,
      { text: readFileSync(path.join(dir, f), 'utf8'), mode: statSync(path.join(dir, f)).mode & 0o777 },
    ]),
  );

it('first start generates a current and a next key per algorithm, private files 0600 in a 0700 dir', async () => {
  const config = keysConfig(tempDir());
  const ring = await loadKeyRing(config, BASE_URL);
  const dir = config.dir!;
  assert.equal(statSync(dir).mode & 0o777, 0o700);

  const entries = manifestOf(dir).keys;
  assert.deepEqual(entries.map((e) => `${e.alg} ${e.status}`).sort(), [
    'ES256 current',
    'ES256 next',
    'RS256 current',
    'RS256 next',
  ]);
  for (const entry of entries) {
    assert.equal(entry.keyFile, `${entry.kid}.key.pem`);
    assert.equal(statSync(path.join(dir, entry.keyFile)).mode & 0o777, 0o600, entry.keyFile);
    assert.equal(entry.certFile, entry.alg === 'RS256' ? `${entry.kid}.crt.pem` : undefined);
  }
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
    'no temp files left behind',
  );

  for (const alg of ['RS256', 'ES256'] as const) {
    assert.equal(ring.current(alg).alg, alg);
    assert.equal(ring.current(alg).status, 'current');
    assert.equal(ring.next(alg)?.status, 'next');
    assert.notEqual(ring.current(alg).kid, ring.next(alg)?.kid);
    assert.deepEqual(
      ring.published(alg).map((k) => k.kid),
      [ring.current(alg).kid, ring.next(alg)!.kid],
    );
  }
  assert.equal(ring.current('RS256').privateKey.asymmetricKeyDetails?.modulusLength, 2048);
  assert.equal(ring.current('ES256').privateKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.equal(ring.current('ES256').certificatePem, undefined);
});

it('the RSA certificate: CN from the base URL host, configured lifetime, random positive serial, self-signed', async () => {
  const config = keysConfig(tempDir(), { certificateLifetime: 2 * 86_400_000 });
  const before = Date.now();
  const ring = await loadKeyRing(config, BASE_URL);
  const certs = ring.published('RS256').map((key) => new X509Certificate(key.certificatePem!));
  for (const cert of certs) {
    assert.equal(cert.subject, 'CN=idp.example.test');
    assert.equal(cert.issuer, 'CN=idp.example.test');
    const from = Date.parse(cert.validFrom);
    assert.ok(from <= Date.now() && from >= before - 1000, cert.validFrom);
    assert.equal(Date.parse(cert.validTo) - from, 2 * 86_400_000);
    assert.match(cert.serialNumber, /^[0-7][0-9A-F]{31}$/);
    assert.ok(cert.verify(cert.publicKey), 'self-signature verifies');
  }
  assert.notEqual(certs[0]!.serialNumber, certs[1]!.serialNumber);
});

it('later starts load the same keys and certificates without rewriting anything', async () => {
  const config = keysConfig(tempDir());
  const first = await loadKeyRing(config, BASE_URL);
  const files = snapshot(config.dir!);
  const second = await loadKeyRing(config, 'https://renamed.example.test');
  for (const alg of ['RS256', 'ES256'] as const) {
    assert.equal(second.current(alg).kid, first.current(alg).kid);
    assert.equal(second.next(alg)?.kid, first.next(alg)?.kid);
    assert.equal(second.current(alg).certificatePem, first.current(alg).certificatePem);
    assert.equal(second.current(alg).privateKeyPem, first.current(alg).privateKeyPem);
  }
  assert.deepEqual(second.jwks(), first.jwks());
  assert.deepEqual(snapshot(config.dir!), files);
});

it('a private key file readable by others is refused, naming the file, its mode and 0600', async () => {
  const config = keysConfig(tempDir());
  const ring = await loadKeyRing(config, BASE_URL);
  const file = path.join(config.dir!, `${ring.next('ES256')!.kid}.key.pem`);
  chmodSync(file, 0o644);
  const files = snapshot(config.dir!);
  await assert.rejects(loadKeyRing(config, BASE_URL), (err: Error) => {
    assert.equal(
      err.message,
      `${file}: private key file has mode 0644; expected 0600 (read/write for its owner only). Fix it with: chmod 600 ${file}`,
    );
    return true;
  });
  assert.deepEqual(snapshot(config.dir!), files, 'nothing changed: the mode is not silently fixed');
  chmodSync(file, 0o400); // tighter than 0600 is fine
  assert.equal((await loadKeyRing(config, BASE_URL)).next('ES256')!.kid, ring.next('ES256')!.kid);
});

it('a corrupt private key file is refused, naming the file', async () => {
  const config = keysConfig(tempDir());
  const ring = await loadKeyRing(config, BASE_URL);
  const file = path.join(config.dir!, `${ring.current('RS256').kid}.key.pem`);
  writeFileSync(file, '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n', { mode: 0o600 });
  const files = snapshot(config.dir!);
  await assert.rejects(
    loadKeyRing(config, BASE_URL),
    new RegExp(`^KeyFileError: ${escape(file)}: not a readable PEM private key`),
  );
  await assert.rejects(loadKeyRing(config, BASE_URL), { name: 'KeyFileError', file });
  assert.deepEqual(snapshot(config.dir!), files);
});

it('a key file holding another key than the manifest names is refused', async () => {
  const config = keysConfig(tempDir());
  const ring = await loadKeyRing(config, BASE_URL);
  const current = path.join(config.dir!, `${ring.current('ES256').kid}.key.pem`);
  writeFileSync(current, ring.next('ES256')!.privateKeyPem, { mode: 0o600 });
  await assert.rejects(loadKeyRing(config, BASE_URL), {
    message: `${current}: holds key ${ring.next('ES256')!.kid}, but the manifest expects key ${ring.current('ES256').kid}`,
  });
});

it('a certificate that does not match its key is refused, naming the certificate', async () => {
  const config = keysConfig(tempDir());
  const ring = await loadKeyRing(config, BASE_URL);
  const cert = path.join(config.dir!, `${ring.current('RS256').kid}.crt.pem`);
  writeFileSync(cert, ring.next('RS256')!.certificatePem!);
  await assert.rejects(
    loadKeyRing(config, BASE_URL),
    new RegExp(`^KeyFileError: ${escape(cert)}: the certificate's public key does not match the private key`),
  );
});

it('a missing key file and a corrupt manifest are refused, naming the file', async () => {
  const config = keysConfig(tempDir());
  const ring = await loadKeyRing(config, BASE_URL);
  const keyFile = path.join(config.dir!, `${ring.next('RS256')!.kid}.key.pem`);
  rmSync(keyFile);
  await assert.rejects(loadKeyRing(config, BASE_URL), { message: `${keyFile}: cannot read the file (ENOENT)` });

  const manifest = path.join(config.dir!, 'keys.json');
  writeFileSync(manifest, '{"version": 1, "keys": [');
  await assert.rejects(
    loadKeyRing(config, BASE_URL),
    new RegExp(`^KeyFileError: ${escape(manifest)}: corrupt key manifest: not JSON`),
  );
  writeFileSync(
    manifest,
    JSON.stringify({ version: 1, certificate: { commonName: 'x', lifetimeMs: 1 }, keys: [{ kid: 'short' }] }),
  );
  await assert.rejects(
    loadKeyRing(config, BASE_URL),
    new RegExp(
      `^KeyFileError: ${escape(manifest)}: corrupt key manifest: keys\\.0\\.kid: expected a base64url SHA-256 thumbprint`,
    ),
  );
  assert.equal(
    readFileSync(manifest, 'utf8').includes('short'),
    true,
    'the bad manifest is left for the operator to inspect',
  );
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
