import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, describe, it } from 'mocha';
import { tempDir } from '../../test/support/keys.ts';
import { openStore } from '../store/index.ts';
// The server secret's key, as records.ts declares it.
const SERVER_SECRET_KEY = 'secret:server';
import { MasterKey } from './master-key.ts';
import { sealSecrets } from './sealed-store.ts';
import { loadServerSecret } from './server-secret.ts';

const dir = tempDir();
const opened: { close(): Promise<void> }[] = [];
after(() => Promise.all(opened.map((s) => s.close())));

async function rawStore() {
  const store = await openStore({
    type: 'sqlite',
    sqlite: { file: path.join(dir, `${randomBytes(4).toString('hex')}.sqlite`) },
    redis: { keyPrefix: '' },
  });
  opened.push(store);
  return store;
}

describe('secrets sealed in the store', () => {
  it('the server secret is sealed at rest and reads back the same on every node', async () => {
    const raw = await rawStore();
    const master = new MasterKey(randomBytes(32));
    const secret = await loadServerSecret(sealSecrets(raw, master));
    const atRest = await raw.get(SERVER_SECRET_KEY);
    assert.deepEqual(Object.keys(atRest as object), ['sealed']);
    assert.ok(!JSON.stringify(atRest).includes(secret.toString('base64url')), 'not in the clear');
    assert.deepEqual(await loadServerSecret(sealSecrets(raw, master)), secret, 'another node reads the same secret');
    await raw.set('session:1', { user: 'alice' });
    assert.deepEqual(await sealSecrets(raw, master).get('session:1'), { user: 'alice' }, 'other records pass through');
  });

  it('a secret written in the clear (before the master key) is sealed in place on first read', async () => {
    const raw = await rawStore();
    const before = await loadServerSecret(raw);
    assert.equal(typeof (await raw.get(SERVER_SECRET_KEY)), 'string');
    const after = await loadServerSecret(sealSecrets(raw, new MasterKey(randomBytes(32))));
    assert.deepEqual(after, before, 'cookies and sealed passcodes stay valid');
    assert.deepEqual(Object.keys((await raw.get(SERVER_SECRET_KEY)) as object), ['sealed']);
  });

  it('a node with another master key refuses to start, saying why', async () => {
    const raw = await rawStore();
    await loadServerSecret(sealSecrets(raw, new MasterKey(randomBytes(32))));
    await assert.rejects(
      loadServerSecret(sealSecrets(raw, new MasterKey(randomBytes(32)))),
      /holds "secret:server" sealed under another master key: every node needs the same keys.masterKeyFile/,
    );
  });
});
