import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'mocha';
import { keysConfig, openssl, tempDir } from '../../test/support/keys.ts';
import { loadKeyRing, rotateKeys } from './index.ts';

const BASE_URL = 'https://idp.example.test';

interface Entry {
  kid: string;
  alg: string;
  status: string;
  keyFile: string;
  certFile?: string;
  retiredAt?: string;
}
const manifestOf = (dir: string): { keys: Entry[] } => JSON.parse(readFileSync(path.join(dir, 'keys.json'), 'utf8'));
const statusOf = (dir: string, alg: string) =>
  Object.fromEntries(
    manifestOf(dir)
      .keys.filter((k) => k.alg === alg)
      .map((k) => [k.kid, k.status]),
  );

it('rotation: next becomes current, current retired, a new next; two retired keys kept, older files deleted', async () => {
  const config = keysConfig(tempDir());
  const dir = config.dir!;
  const before = await loadKeyRing(config, BASE_URL);
  const a = before.current('RS256').kid;
  const b = before.next('RS256')!.kid;

  const [rsa1, ec1] = await rotateKeys(dir);
  assert.equal(rsa1!.alg, 'RS256');
  assert.equal(rsa1!.current, b);
  assert.deepEqual(rsa1!.retired, [a]);
  assert.equal(ec1!.current, before.next('ES256')!.kid);
  const c = rsa1!.next;
  assert.deepEqual(statusOf(dir, 'RS256'), { [a]: 'retired', [b]: 'current', [c]: 'next' });

  // A running server keeps what it loaded; a restart picks the rotation up.
  assert.equal(before.current('RS256').kid, a);
  const after = await loadKeyRing(config, BASE_URL);
  assert.equal(after.current('RS256').kid, b);
  assert.equal(after.next('RS256')!.kid, c);
  assert.equal(new X509Certificate(after.next('RS256')!.certificatePem!).subject, 'CN=idp.example.test');
  assert.ok(!after.jwks().keys.some((k) => k.kid === a), 'a retired key is no longer published');
  assert.ok(!after.jwks().keys.some((k) => k.kid === before.current('ES256').kid), 'nor is the retired ES256 key');

  const [rsa2] = await rotateKeys(dir);
  assert.deepEqual(rsa2!.retired, [b, a]);
  assert.deepEqual(rsa2!.deleted, []);
  const [rsa3] = await rotateKeys(dir);
  assert.equal(rsa3!.current, rsa2!.next);
  assert.deepEqual(rsa3!.retired, [c, b]);
  assert.deepEqual(rsa3!.deleted, [a]);
  assert.equal(existsSync(path.join(dir, `${a}.key.pem`)), false);
  assert.equal(existsSync(path.join(dir, `${a}.crt.pem`)), false);
  assert.equal(existsSync(path.join(dir, `${b}.key.pem`)), true);
  assert.equal(Object.keys(statusOf(dir, 'RS256')).length, 4);
  assert.equal(Object.keys(statusOf(dir, 'ES256')).length, 4);
  assert.equal((await loadKeyRing(config, BASE_URL)).current('RS256').kid, rsa3!.current);
});

it('rotation can renew the certificate name; only algorithms in the keys directory rotate', async () => {
  const tmp = tempDir();
  const keyFile = path.join(tmp, 'op.key');
  const certFile = path.join(tmp, 'op.crt');
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-subj',
    '/CN=op',
    '-days',
    '3',
  ]);
  const config = keysConfig(tmp, { rsa: { keyFile, certFile } });
  const ring = await loadKeyRing(config, BASE_URL);
  const results = await rotateKeys(config.dir!, { commonName: 'renamed.example.test' });
  assert.deepEqual(
    results.map((r) => r.alg),
    ['ES256'],
  );
  assert.equal(results[0]!.current, ring.next('ES256')!.kid);
  assert.equal((await loadKeyRing(config, BASE_URL)).current('RS256').kid, ring.current('RS256').kid);

  // Without the import, RS256 keys are generated under the name rotation remembered.
  const generated = await loadKeyRing(keysConfig(tmp), BASE_URL);
  assert.equal(new X509Certificate(generated.current('RS256').certificatePem!).subject, 'CN=renamed.example.test');
});

it('rotating an empty keys directory is refused and creates nothing', async () => {
  const dir = path.join(tempDir(), 'keys');
  await assert.rejects(rotateKeys(dir), {
    name: 'KeyFileError',
    message: `${path.join(dir, 'keys.json')}: no key manifest: start Latch once to generate keys before rotating them`,
  });
  assert.equal(existsSync(dir), false);
});
