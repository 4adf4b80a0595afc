import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'mocha';
import type { Json, Store } from '../../src/store/contract.ts';

// One contract, run against every backend (src/store/contract.test.ts: SQLite; test/store/
// contract.test.ts: Redis and Redis Cluster): whatever passes here, the rest of Latch may rely on.

/** Collects what a subscription receives, and waits for it. */
function inbox() {
  const messages: Json[] = [];
  return {
    messages,
    receive: (message: Json) => void messages.push(message),
    async waitFor(count: number, timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count && Date.now() < deadline) await sleep(5);
      assert.equal(messages.length, count, `expected ${count} messages, got ${JSON.stringify(messages)}`);
    },
  };
}

export function storeContract(name: string, openFresh: () => Promise<Store>, label = name): void {
  describe(`store contract: ${label}`, () => {
    let store: Store;
    beforeEach(async () => void (store = await openFresh()));
    afterEach(async () => store.close());

    it('names its kind', () => assert.equal(store.kind, name));

    it('round-trips every kind of JSON value', async () => {
      const values: Json[] = [
        null,
        true,
        false,
        0,
        -1.5,
        2 ** 53 - 1,
        '',
        'ünï:cödé "quoted"\n',
        [],
        [1, 'a', null],
        { nested: { list: [{ deep: true }], empty: {} }, n: 0.1 },
      ];
      for (const [i, value] of values.entries()) {
        await store.set(`v:${i}`, value);
        assert.deepEqual(await store.get(`v:${i}`), value);
      }
      assert.equal(await store.get('missing'), undefined);
      assert.equal(await store.getVersioned('missing'), undefined);
    });

    it('set overwrites, changes the version and, without a TTL, removes an expiry', async () => {
      await store.set('k', { a: 1 }, { ttlMs: 60_000 });
      const first = await store.getVersioned('k');
      assert.ok(first && Number.isSafeInteger(first.version));
      await store.set('k', { a: 2 });
      const second = await store.getVersioned('k');
      assert.deepEqual(second?.value, { a: 2 });
      assert.notEqual(second?.version, first.version);
      assert.equal(await store.ttl('k'), undefined);
    });

    it('refuses a bad TTL and writes nothing', async () => {
      await assert.rejects(store.set('k', 1, { ttlMs: 0 }), /ttlMs must be a whole number.*got 0/);
      await assert.rejects(store.createIfAbsent('k', 1, { ttlMs: -5 }), RangeError);
      assert.equal(await store.get('k'), undefined);
    });

    it('hides expired keys from every read and lets them be created again', async () => {
      await store.set('t', 'short', { ttlMs: 150 });
      const before = await store.getVersioned('t');
      assert.equal(before?.value, 'short');
      const ttl = await store.ttl('t');
      assert.ok(ttl !== undefined && ttl > 0 && ttl <= 150, `ttl ${ttl}`);
      await sleep(250);
      assert.equal(await store.get('t'), undefined);
      assert.equal(await store.getVersioned('t'), undefined);
      assert.equal(await store.ttl('t'), undefined);
      assert.equal(await store.take('t'), undefined);
      assert.equal(await store.delete('t'), false);
      assert.equal(await store.compareAndSet('t', before.version, 'revived'), false);
      assert.equal(await store.get('t'), undefined);
      assert.equal(await store.createIfAbsent('t', 'again'), true);
      assert.equal(await store.get('t'), 'again');
      assert.equal(await store.ttl('t'), undefined);
    });

    it('createIfAbsent writes only once, with its TTL', async () => {
      assert.equal(await store.createIfAbsent('c', { first: true }, { ttlMs: 5000 }), true);
      assert.equal(await store.createIfAbsent('c', { first: false }), false);
      assert.deepEqual(await store.get('c'), { first: true });
      const ttl = await store.ttl('c');
      assert.ok(ttl !== undefined && ttl > 4000 && ttl <= 5000, `ttl ${ttl}`);
    });

    it('compareAndSet writes only with the current version', async () => {
      assert.equal(await store.compareAndSet('cas', 1, 'x'), false);
      assert.equal(await store.get('cas'), undefined);
      await store.set('cas', 'v1');
      const v1 = await store.getVersioned<string>('cas');
      assert.ok(v1);
      assert.equal(await store.compareAndSet('cas', v1.version + 1, 'wrong'), false);
      assert.equal(await store.get('cas'), 'v1');
      assert.equal(await store.compareAndSet('cas', v1.version, 'v2', { ttlMs: 5000 }), true);
      const v2 = await store.getVersioned<string>('cas');
      assert.equal(v2?.value, 'v2');
      assert.notEqual(v2?.version, v1.version);
      assert.ok((await store.ttl('cas'))! > 4000);
      assert.equal(await store.compareAndSet('cas', v1.version, 'stale'), false);
      assert.equal(await store.get('cas'), 'v2');
    });

    it('take reads and deletes in one step', async () => {
      await store.set('once', { code: '123456' });
      assert.deepEqual(await store.take('once'), { code: '123456' });
      assert.equal(await store.take('once'), undefined);
      assert.equal(await store.get('once'), undefined);
    });

    it('delete says whether the key existed', async () => {
      await store.set('d', 1);
      assert.equal(await store.delete('d'), true);
      assert.equal(await store.delete('d'), false);
      assert.equal(await store.get('d'), undefined);
    });

    it('increment counts, and an existing counter keeps its expiry', async () => {
      assert.equal(await store.increment('n'), 1);
      assert.equal(await store.increment('n', 5), 6);
      assert.equal(await store.increment('n', -2.5), 3.5);
      assert.equal(await store.get('n'), 3.5);
      assert.equal(await store.ttl('n'), undefined);

      assert.equal(await store.increment('f', 1, { ttlMs: 150 }), 1);
      await sleep(50);
      assert.equal(await store.increment('f', 1, { ttlMs: 60_000 }), 2);
      const ttl = await store.ttl('f');
      assert.ok(ttl !== undefined && ttl <= 100, `kept expiry, ttl ${ttl}`);
      await sleep(200);
      assert.equal(await store.get('f'), undefined);
      assert.equal(await store.increment('f', 1, { ttlMs: 60_000 }), 1);
    });

    it('increment refuses a key that does not hold a number, and leaves it', async () => {
      await store.set('s', 'text');
      await assert.rejects(
        store.increment('s'),
        (err: Error) => err instanceof TypeError && /"s".*not.*number/.test(err.message),
      );
      assert.equal(await store.get('s'), 'text');
    });

    it('ttl is undefined for a missing key and a key without expiry', async () => {
      assert.equal(await store.ttl('nothing'), undefined);
      await store.set('forever', 1);
      assert.equal(await store.ttl('forever'), undefined);
    });

    it('keeps indexes as sets of members', async () => {
      assert.deepEqual(await store.listIndex('user:alice'), []);
      await store.addToIndex('user:alice', 's2');
      await store.addToIndex('user:alice', 's1');
      await store.addToIndex('user:alice', 's2');
      await store.addToIndex('user:bob', 's3');
      assert.deepEqual(await store.listIndex('user:alice'), ['s1', 's2']);
      await store.removeFromIndex('user:alice', 's2');
      await store.removeFromIndex('user:alice', 'never-there');
      assert.deepEqual(await store.listIndex('user:alice'), ['s1']);
      assert.deepEqual(await store.listIndex('user:bob'), ['s3']);
    });

    it('appends events and queries them by time range, in both directions', async () => {
      const start = Date.now();
      const early = [await store.append('log', { n: 0 }), await store.append('log', { n: 1 })];
      await sleep(20);
      const late = [await store.append('log', { n: 2 }), await store.append('log', { n: 3 })];
      await store.append('other', { n: 'elsewhere' });
      const all = [...early, ...late];

      assert.ok(early[0]!.time >= start - 5 && early[0]!.time <= Date.now(), 'time is the append time');
      assert.deepEqual(early[0]!.data, { n: 0 });
      assert.equal(new Set(all.map((e) => e.id)).size, 4, 'ids are unique');
      assert.deepEqual(await store.range('log'), all);
      assert.deepEqual(await store.range('log', { reverse: true }), [...all].reverse());
      assert.deepEqual(await store.range('log', { limit: 3 }), all.slice(0, 3));
      assert.deepEqual(await store.range('log', { reverse: true, limit: 1 }), [late[1]]);
      assert.deepEqual(await store.range('log', { from: late[0]!.time }), late, 'from is inclusive');
      assert.deepEqual(await store.range('log', { to: late[0]!.time }), early, 'to is exclusive');
      assert.deepEqual(await store.range('log', { from: late[0]!.time, to: late[0]!.time }), []);
      assert.deepEqual(await store.range('log', { to: late[0]!.time, reverse: true }), [...early].reverse());
      assert.deepEqual(await store.range('nothing'), []);
      await assert.rejects(store.range('log', { limit: 0 }), RangeError);
    });

    it('queries events by top-level string fields, with the limit counting matches', async () => {
      const alice = [];
      for (let i = 0; i < 30; i++) {
        const user = i % 3 === 0 ? 'alice' : `user${i}`;
        const event = await store.append('auth', { user, result: i % 2 ? 'failure' : 'success', n: i });
        if (user === 'alice') alice.push(event);
      }
      await store.append('auth', 'not an object');
      await store.append('auth', { user: 'alice\u0000x', n: -1 });
      await store.append('other', { user: 'alice' });
      assert.deepEqual(await store.range('auth', { where: { user: 'alice' } }), alice);
      assert.deepEqual(
        await store.range('auth', { where: { user: 'alice' }, reverse: true, limit: 3 }),
        alice.slice(-3).reverse(),
      );
      assert.deepEqual(
        (await store.range('auth', { where: { user: 'alice', result: 'failure' } })).map((e) => e.data),
        alice.filter((e) => e.data.result === 'failure').map((e) => e.data),
      );
      assert.deepEqual(
        (await store.range('auth', { where: { user: 'alice\u0000x' } })).map((e) => e.data),
        [{ user: 'alice\u0000x', n: -1 }],
      );
      assert.deepEqual(await store.range('auth', { where: { user: 'nobody' } }), []);
      assert.deepEqual(await store.range('auth', { where: { n: '3' } }), [], 'only string fields match');
      await assert.rejects(store.range('auth', { where: { "user') OR 1=1 --": 'x' } }), RangeError);
    });

    it('keeps keys, index members and streams with NUL and backslashes apart', async () => {
      const keys = ['a\u0000b', 'a\\0b', 'a\\\u0000b', 'a0b'];
      for (const [i, key] of keys.entries()) await store.set(key, i);
      for (const [i, key] of keys.entries()) assert.equal(await store.get(key), i);
      for (const key of keys) await store.addToIndex('ix\u0000', key);
      assert.deepEqual([...(await store.listIndex('ix\u0000'))].sort(), [...keys].sort());
      assert.deepEqual(await store.listIndex('ix'), []);
    });

    it('returns at most 100 events by default', async () => {
      for (let i = 0; i < 101; i++) await store.append('many', i);
      const page = await store.range<number>('many');
      assert.equal(page.length, 100);
      assert.equal(page[0]!.data, 0);
      assert.equal((await store.range<number>('many', { reverse: true }))[0]!.data, 100);
    });

    it('trims events older than a time', async () => {
      await store.append('t', 'old1');
      await store.append('t', 'old2');
      await sleep(20);
      const kept = await store.append('t', 'new');
      assert.equal(await store.trim('t', kept.time), 2);
      assert.deepEqual(await store.range('t'), [kept]);
      assert.equal(await store.trim('t', kept.time), 0);
      assert.equal(await store.trim('empty', Date.now()), 0);
    });

    it('publishes JSON to subscribers of the channel until they unsubscribe', async () => {
      const first = inbox();
      const second = inbox();
      const stranger = inbox();
      const unsubscribe = await store.subscribe('news', first.receive);
      await store.subscribe('news', second.receive);
      await store.subscribe('gossip', stranger.receive);
      await store.publish('news', { headline: 'hi', tags: ['a'], n: 1.5 });
      await first.waitFor(1);
      await second.waitFor(1);
      assert.deepEqual(first.messages, [{ headline: 'hi', tags: ['a'], n: 1.5 }]);

      await unsubscribe();
      await store.publish('news', 'second');
      await second.waitFor(2);
      await sleep(50);
      assert.deepEqual(first.messages, [{ headline: 'hi', tags: ['a'], n: 1.5 }], 'no delivery after unsubscribe');
      assert.deepEqual(stranger.messages, []);
    });

    it('lets exactly one of 20 concurrent createIfAbsent calls win', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.createIfAbsent('race', i)));
      const winners = results.flatMap((won, i) => (won ? [i] : []));
      assert.equal(winners.length, 1);
      assert.equal(await store.get('race'), winners[0]);
    });

    it('gives a value to exactly one of 20 concurrent takes', async () => {
      await store.set('challenge', 'c-1');
      const taken = await Promise.all(Array.from({ length: 20 }, () => store.take('challenge')));
      assert.deepEqual(
        taken.filter((v) => v !== undefined),
        ['c-1'],
      );
    });

    it('lets exactly one of 20 concurrent compareAndSet calls win, and counts concurrent increments', async () => {
      await store.set('doc', 0);
      const { version } = (await store.getVersioned('doc'))!;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.compareAndSet('doc', version, i + 1)),
      );
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await store.get('doc'), results.indexOf(true) + 1);
      await Promise.all(Array.from({ length: 20 }, () => store.increment('hits')));
      assert.equal(await store.get('hits'), 20);
    });

    it('answers ping while open and fails after close', async () => {
      await store.ping();
      await store.close();
      await assert.rejects(store.ping());
    });
  });
}
