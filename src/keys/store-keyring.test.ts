import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'mocha';
import { keysConfig, tempDir } from '../../test/support/keys.ts';
import type { Store } from '../store/contract.ts';
import { openStore } from '../store/index.ts';
import { loadKeyRing } from './index.ts';
import { MasterKey } from './master-key.ts';
import { sealSecrets } from './sealed-store.ts';
import { rotateStoredKeys } from './store-keys.ts';
import { announceRotation } from './store-keyring.ts';

// Signing keys in the store: every node signs with the same keys, and a rotation reaches every
// running node (at once through publish/subscribe, or at the next refresh when it missed that).

const BASE_URL = 'https://idp.example.test';
const dir = tempDir();
const master = new MasterKey(randomBytes(32));
const closing: { close(): Promise<void> }[] = [];
after(async () => {
  for (const item of closing.reverse()) await item.close();
});

async function node(file: string): Promise<Store> {
  const store = sealSecrets(await openStore({ type: 'sqlite', sqlite: { file }, redis: { keyPrefix: '' } }), master);
  closing.push(store);
  return store;
}

const config = (extra = {}) =>
  keysConfig(dir, { masterKeyFile: path.join(dir, 'unused-here'), refreshInterval: 200, ...extra });

async function ring(store: Store, extra = {}) {
  const keys = await loadKeyRing(config(extra), BASE_URL, store);
  closing.push(keys);
  return keys;
}

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`not true after ${timeoutMs} ms: ${check.toString()}`);
    await sleep(20);
  }
}

describe('signing keys in the store', () => {
  it('nodes starting at once agree on one set of keys, kept sealed', async () => {
    const file = path.join(dir, 'agree.sqlite');
    const store = await node(file);
    const rings = await Promise.all([ring(store), ring(store), ring(store)]);
    const kids = rings.map((r) => [r.current('RS256').kid, r.next('RS256')!.kid, r.current('ES256').kid].join());
    assert.equal(new Set(kids).size, 1, kids.join(' | '));
    assert.ok(rings[0]!.current('RS256').certificatePem, 'an RSA key has its certificate');
    const raw = await openStore({ type: 'sqlite', sqlite: { file }, redis: { keyPrefix: '' } });
    closing.push(raw);
    const atRest = JSON.stringify(await raw.get('keys:signing'));
    assert.match(atRest, /^\{"sealed":"v1\./);
    assert.ok(
      !atRest.includes('PRIVATE KEY') && !atRest.includes(rings[0]!.current('RS256').kid),
      'nothing in the clear',
    );
  });

  it('a rotation reaches every running node without a restart: announced at once, or at the next refresh', async () => {
    const file = path.join(dir, 'rotate.sqlite');
    const store = await node(file);
    const other = await node(file); // another process on the file: no message reaches it
    const here = await ring(store, { refreshInterval: 60_000 });
    const there = await ring(other);
    const changed: string[] = [];
    here.onChange(() => changed.push('here'));
    const before = here.current('RS256').kid;
    const next = here.next('RS256')!.kid;

    const [rsa] = (await rotateStoredKeys(store))!;
    assert.equal(rsa!.current, next);
    await announceRotation(store);
    await waitFor(() => here.current('RS256').kid === next);
    assert.deepEqual(changed, ['here']);
    assert.ok(
      here.jwks().keys.some((k) => k.kid === rsa!.next),
      'the new next key is published',
    );
    assert.ok(!here.jwks().keys.some((k) => k.kid === before), 'the retired one is not');
    await waitFor(() => there.current('RS256').kid === next, 2000);
  });

  it('scheduled rotation: once due and once the next key was published long enough, by one node only', async () => {
    const store = await node(path.join(dir, 'schedule.sqlite'));
    const schedule = { refreshInterval: 100, rotation: { interval: 400, publishAhead: 0 } };
    const rings = await Promise.all([ring(store, schedule), ring(store, schedule), ring(store, schedule)]);
    const first = rings[0]!.current('ES256').kid;
    await sleep(200);
    assert.equal(rings[0]!.current('ES256').kid, first, 'not before the interval');
    await waitFor(() => rings.every((r) => r.current('ES256').kid !== first), 3000);
    const second = rings[0]!.current('ES256').kid;
    assert.ok(
      rings.every((r) => r.current('ES256').kid === second),
      'every node moved to the same key',
    );

    const patient = await node(path.join(dir, 'ahead.sqlite'));
    const slow = await ring(patient, { refreshInterval: 100, rotation: { interval: 100, publishAhead: 60_000 } });
    const kid = slow.current('RS256').kid;
    await sleep(500);
    assert.equal(slow.current('RS256').kid, kid, 'the next key has not been published for publishAhead yet');
  });

  it('imported PEM keys keep signing for their algorithm; the other comes from the store', async () => {
    const store = await node(path.join(dir, 'imported.sqlite'));
    const fromFiles = await loadKeyRing(keysConfig(tempDir()), BASE_URL);
    const importDir = tempDir();
    const keyFile = path.join(importDir, 'rsa.key');
    const certFile = path.join(importDir, 'rsa.crt');
    writeFileSync(keyFile, fromFiles.current('RS256').privateKeyPem, { mode: 0o600 });
    writeFileSync(certFile, fromFiles.current('RS256').certificatePem!);
    const keys = await ring(store, { rsa: { keyFile, certFile } });
    assert.equal(keys.current('RS256').kid, fromFiles.current('RS256').kid);
    await rotateStoredKeys(store);
    await announceRotation(store);
    const es = keys.next('ES256')!.kid;
    await waitFor(() => keys.current('ES256').kid === es);
    assert.equal(
      keys.current('RS256').kid,
      fromFiles.current('RS256').kid,
      "the imported key is the operator's to rotate",
    );
  });
});
