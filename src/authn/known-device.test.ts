import { it } from 'mocha';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openStore } from '../store/index.ts';
import { tempDir } from '../../test/support/temp.ts';
import { KnownDevices } from './known-device.ts';

it('a known-device cookie is MAC-protected and proves nothing until the server binds a user to it', async () => {
  const { dir, cleanup } = tempDir();
  const store = await openStore({
    type: 'sqlite',
    sqlite: { file: path.join(dir, 's.sqlite') },
    redis: { keyPrefix: 'x:' },
  });
  try {
    const devices = new KnownDevices(store, Buffer.alloc(32, 1), 60_000);
    const { deviceId, cookie } = devices.issue();
    assert.equal(devices.parse(cookie), deviceId);
    assert.equal(devices.parse(`${deviceId}.${'A'.repeat(43)}`), undefined, 'a forged MAC is refused');
    assert.equal(devices.parse('garbage'), undefined);
    assert.equal(
      new KnownDevices(store, Buffer.alloc(32, 2), 60_000).parse(cookie),
      undefined,
      'another server key refuses it',
    );
    assert.equal(await devices.isKnownFor(deviceId, { id: 'u1' }), false);
    await devices.markVerified(deviceId, { id: 'u1', username: 'Alice' });
    assert.equal(await devices.isKnownFor(deviceId, { id: 'u1' }), true);
    assert.equal(await devices.isKnownFor(deviceId, { login: 'alice' }), true);
    assert.equal(await devices.isKnownFor(deviceId, { id: 'u2', login: 'bob' }), false, 'other users are not covered');
  } finally {
    await store.close();
    cleanup();
  }
});
