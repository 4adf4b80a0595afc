import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { after, describe, it } from 'mocha';
import { openStore } from '../../src/store/index.ts';
import { records } from '../../src/store/records.ts';
import { startRedis } from '../support/redis-server.ts';

// Redis replicates asynchronously, so a failover can lose a write the primary acknowledged. What a
// user enrolled is written, then waited on (WAIT) until a replica has it: the user hears "done"
// only for an enrollment that a promoted replica would still have.

const primary = await startRedis({ args: ['--enable-debug-command', 'yes'] });
const replica = await startRedis({
  args: ['--replicaof', '127.0.0.1', String(primary.port), '--enable-debug-command', 'yes'],
});
after(() => Promise.all([replica.stop(), primary.stop()]));

const credentials = records.webauthnCredential.holding<{ user: string }>();
const sessions = records.session.holding<{ user: string }>();

async function waitForReplication(): Promise<void> {
  const client = new Redis(primary.port, '127.0.0.1');
  try {
    for (let i = 0; i < 100; i++) {
      if (/state=online/.test(String(await client.call('INFO', 'replication')))) return;
      await sleep(100);
    }
    throw new Error('the replica did not connect');
  } finally {
    client.disconnect();
  }
}

describe('redis: enrollments wait for a replica', () => {
  it('an enrollment is on the replica when the write returns', async () => {
    await waitForReplication();
    const store = await openStore({
      type: 'redis',
      sqlite: {},
      redis: { url: primary.url, keyPrefix: 'latch:', replicaTimeout: 2000 },
    });
    const onReplica = new Redis(replica.port, '127.0.0.1');
    try {
      for (let i = 0; i < 20; i++) {
        await credentials.set(store, `cred-${i}`, { user: 'alice' });
        assert.ok(await onReplica.exists(`latch:kv:${credentials.key(`cred-${i}`)}`), `cred-${i} on the replica`);
      }
    } finally {
      onReplica.disconnect();
      await store.close();
    }
  });

  it('an enrollment that no replica confirms fails with a message saying so; other writes do not wait', async () => {
    await waitForReplication();
    const store = await openStore({
      type: 'redis',
      sqlite: {},
      redis: { url: primary.url, keyPrefix: 'latch:', replicaTimeout: 300 },
    });
    const onReplica = new Redis(replica.port, '127.0.0.1');
    try {
      await credentials.set(store, 'warm-up', { user: 'alice' }); // the replica count is read now
      const stalled = onReplica.call('DEBUG', 'SLEEP', '1.5'); // the replica stops answering
      await sleep(50);
      const started = Date.now();
      await sessions.set(store, 's1', { user: 'alice' }, { ttlMs: 60_000 });
      assert.ok(Date.now() - started < 200, 'a session write does not wait for the replica');
      await assert.rejects(
        credentials.set(store, 'cred-lost', { user: 'alice' }),
        /no Redis replica confirmed the write within 300 ms .* could be lost at a failover/,
      );
      await stalled;
    } finally {
      onReplica.disconnect();
      await store.close();
    }
  });

  it('without replicas, an enrollment does not wait', async () => {
    const alone = await startRedis();
    const store = await openStore({
      type: 'redis',
      sqlite: {},
      redis: { url: alone.url, keyPrefix: 'latch:', replicaTimeout: 5000 },
    });
    try {
      const started = Date.now();
      await credentials.set(store, 'c', { user: 'alice' });
      assert.ok(Date.now() - started < 1000);
      assert.deepEqual(await credentials.get(store, 'c'), { user: 'alice' });
    } finally {
      await store.close();
      await alone.stop();
    }
  });
});
