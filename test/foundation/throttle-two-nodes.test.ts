import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'mocha';
import { PasswordThrottle, type ThrottleVerdict } from '../../src/authn/throttle.ts';
import { openStore } from '../../src/store/index.ts';
import { startRedis } from '../support/redis-server.ts';

// The password throttle of two nodes sharing one Redis: their reservations add up to one limit,
// and one login transaction is checked by one node at a time. (On SQLite: src/authn/throttle.test.ts.)

const WINDOW = 60_000;
const limits = (perAccount: number, perIp: number) => ({
  perAccount: { maxFailures: perAccount, window: WINDOW },
  perIp: { maxFailures: perIp, window: WINDOW },
});
const allowed = (verdicts: ThrottleVerdict[]) => verdicts.filter((v) => v.allowed).length;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('two nodes on one Redis', () => {
  it('parallel reservations split over both nodes: exactly the limit; one check at a time across them', async () => {
    const redis = await startRedis();
    const open = () => openStore({ type: 'redis', sqlite: {}, redis: { url: redis.url, keyPrefix: 'latch:' } });
    const nodes = [await open(), await open()];
    try {
      const throttles = nodes.map((node) => new PasswordThrottle(node, limits(10, 100)));
      const reserve = (i: number) => throttles[i % 2]!.reserveAccount({ ip: 'a' }, 'id:u1', false);
      const verdicts = await Promise.all(range(40).map(reserve));
      assert.equal(allowed(verdicts), 10);

      let running = 0;
      let most = 0;
      await Promise.all(
        range(6).map((i) =>
          throttles[i % 2]!.oneCheckAtATime('tx1', async () => {
            most = Math.max(most, ++running);
            await sleep(30);
            running--;
          }),
        ),
      );
      assert.equal(most, 1);
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
      await redis.stop();
    }
  });
});
