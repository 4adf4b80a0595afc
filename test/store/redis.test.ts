import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'mocha';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedis, startSentinel } from '../support/redis-server.ts';
import type { Json, Store } from '../../src/store/contract.ts';
import { openStore } from '../../src/store/index.ts';
import type { RedisConfig } from '../../src/store/redis-connect.ts';

// What several Latch nodes rely on: one Redis seen the same way by every node, key prefixes that
// keep deployments apart, and each way of connecting (URL, password file, Sentinel).

const redis = await startRedis();
after(() => redis.stop());
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'latch-redis-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const open = (redisConfig: Partial<RedisConfig>) =>
  openStore({ type: 'redis', sqlite: {}, redis: { url: redis.url, keyPrefix: 'latch:', ...redisConfig } });

async function withStores<R>(stores: Store[], body: () => Promise<R>): Promise<R> {
  try {
    return await body();
  } finally {
    await Promise.all(stores.map((store) => store.close()));
  }
}

describe('redis store across nodes', () => {
  it("two stores on one server see each other's writes, events and messages", async () => {
    const keyPrefix = `nodes-${randomUUID()}:`;
    const [a, b] = [await open({ keyPrefix }), await open({ keyPrefix })];
    await withStores([a, b], async () => {
      await a.set('session:1', { user: 'alice' }, { ttlMs: 60_000 });
      assert.deepEqual(await b.get('session:1'), { user: 'alice' });
      assert.ok((await b.ttl('session:1'))! > 59_000);
      await b.addToIndex('user:alice', 'session:1');
      assert.deepEqual(await a.listIndex('user:alice'), ['session:1']);
      const event = await a.append('auth', { result: 'ok' });
      assert.deepEqual(await b.range('auth'), [event]);
      assert.deepEqual(await b.take('session:1'), { user: 'alice' });
      assert.equal(await a.get('session:1'), undefined);

      const received: Json[] = [];
      const unsubscribe = await b.subscribe('logout', (m) => void received.push(m));
      await a.publish('logout', { session: '1' });
      for (let i = 0; i < 100 && received.length === 0; i++) await sleep(10);
      assert.deepEqual(received, [{ session: '1' }]);
      await unsubscribe();
    });
  });

  it('lets exactly one node win a race to create or take the same key', async () => {
    const keyPrefix = `race-${randomUUID()}:`;
    const [a, b] = [await open({ keyPrefix }), await open({ keyPrefix })];
    await withStores([a, b], async () => {
      const created = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).createIfAbsent('code', i)),
      );
      assert.equal(created.filter(Boolean).length, 1);
      const taken = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).take('code')));
      assert.equal(taken.filter((v) => v !== undefined).length, 1);
    });
  });

  it('keeps two key prefixes apart: keys, indexes, events and channels', async () => {
    const [a, b] = [await open({ keyPrefix: `a-${randomUUID()}:` }), await open({ keyPrefix: `b-${randomUUID()}:` })];
    await withStores([a, b], async () => {
      await a.set('k', 'from a');
      await a.addToIndex('i', 'm');
      await a.append('s', 1);
      const heardByB: Json[] = [];
      await b.subscribe('c', (m) => void heardByB.push(m));
      await a.publish('c', 'hello');
      assert.equal(await b.get('k'), undefined);
      assert.equal(await b.createIfAbsent('k', 'from b'), true);
      assert.equal(await a.get('k'), 'from a');
      assert.deepEqual(await b.listIndex('i'), []);
      assert.deepEqual(await b.range('s'), []);
      await sleep(50);
      assert.deepEqual(heardByB, []);
    });
  });
});

describe('redis connection options', () => {
  it('names store.redis.url when no way to reach Redis is configured', async () => {
    await assert.rejects(
      openStore({ type: 'redis', sqlite: {}, redis: { keyPrefix: 'latch:' } }),
      /store\.redis\.url is not set/,
    );
  });

  it('names store.redis.name when Sentinels are given without a master name', async () => {
    await assert.rejects(open({ url: undefined, sentinels: [{ host: '127.0.0.1', port: 1 }] }), /store\.redis\.name/);
  });

  it('reads the password from store.redis.passwordFile', async () => {
    const secured = await startRedis({ args: ['--requirepass', 's3cret pass'] });
    try {
      const passwordFile = path.join(tmp, 'password');
      fs.writeFileSync(passwordFile, 's3cret pass\n', { mode: 0o600 });
      const store = await open({ url: secured.url, passwordFile });
      await withStores([store], async () => {
        await store.set('k', 'v');
        assert.equal(await store.get('k'), 'v');
      });
      await assert.rejects(
        open({ url: secured.url, passwordFile: path.join(tmp, 'missing') }),
        /store\.redis\.passwordFile: cannot read ".*missing"/,
      );
    } finally {
      await secured.stop();
    }
  });

  it('connects through a Sentinel to the master it names', async () => {
    const sentinel = await startSentinel(redis.port, 'latchmaster');
    const keyPrefix = `sentinel-${randomUUID()}:`;
    const sentinels = [{ host: '127.0.0.1', port: sentinel.port }];
    const viaSentinel = await open({ url: undefined, sentinels, name: 'latchmaster', keyPrefix });
    const direct = await open({ keyPrefix });
    await withStores([viaSentinel, direct], async () => {
      await viaSentinel.ping();
      await viaSentinel.set('k', 'through sentinel');
      assert.equal(await direct.get('k'), 'through sentinel');
    }).finally(() => sentinel.stop());
  });

  it('ping fails while the server is down', async () => {
    const doomed = await startRedis();
    const store = await open({ url: doomed.url });
    await withStores([store], async () => {
      await store.ping();
      await doomed.stop();
      await assert.rejects(store.ping());
    });
  });
});
