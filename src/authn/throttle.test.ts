import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, beforeEach, it } from 'mocha';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir } from '../../test/support/temp.ts';
import type { Store } from '../store/contract.ts';
import { openStore } from '../store/index.ts';
import { accountOf, PasswordThrottle, type PasswordAttempt, type ThrottleVerdict } from './throttle.ts';

// The password throttle's counting on the embedded store (SQLite): reservations made in parallel,
// what gives an attempt back, and the one-check-at-a-time lock of a login transaction. Two nodes
// sharing one Redis: test/foundation/throttle-two-nodes.test.ts.

const WINDOW = 60_000;
let store: Store;
let cleanup: () => void;

beforeEach(async () => {
  const temp = tempDir();
  cleanup = temp.cleanup;
  const sqlite = { file: path.join(temp.dir, 's.sqlite') };
  store = await openStore({ type: 'sqlite', sqlite, redis: { keyPrefix: 'x:' } });
});
afterEach(async () => {
  await store.close();
  cleanup();
});

function limits(perAccount: number, perIp: number) {
  return { perAccount: { maxFailures: perAccount, window: WINDOW }, perIp: { maxFailures: perIp, window: WINDOW } };
}

function throttle(perAccount: number, perIp: number, checkLock?: { ttlMs: number; waitMs: number }): PasswordThrottle {
  return new PasswordThrottle(store, limits(perAccount, perIp), checkLock);
}

/** A failed attempt from `ip` at `account`: reserved at both and kept. */
async function fail(t: PasswordThrottle, ip: string, account: string): Promise<ThrottleVerdict> {
  const byAddress = await t.reserveAddress(ip);
  if (!byAddress.allowed) return byAddress;
  return t.reserveAccount({ ip }, account, false);
}

const allowed = (verdicts: ThrottleVerdict[]) => verdicts.filter((v) => v.allowed).length;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

it('40 reservations in parallel for one account: exactly the limit is allowed', async () => {
  const t = throttle(10, 1000);
  const verdicts = await Promise.all(range(40).map(() => t.reserveAccount({ ip: '192.0.2.1' }, 'id:u1', false)));
  assert.equal(allowed(verdicts), 10);
  for (const v of verdicts) {
    if (!v.allowed) assert.ok(v.scope === 'account' && v.retryAfterMs > 0 && v.retryAfterMs <= WINDOW);
  }
});

it('110 reservations in parallel from one address: exactly 100 are allowed', async () => {
  const t = throttle(10, 100);
  const verdicts = await Promise.all(range(110).map(() => t.reserveAddress('192.0.2.1')));
  assert.equal(allowed(verdicts), 100);
  assert.ok(verdicts.every((v) => v.allowed || v.scope === 'ip'));
  assert.equal((await t.reserveAddress('192.0.2.2')).allowed, true, 'another address has its own count');
});

it('a refused attempt is not counted: once one failure is given back, exactly one more is allowed', async () => {
  const t = throttle(2, 1000);
  const held: PasswordAttempt[] = [{ ip: 'a' }, { ip: 'a' }];
  for (const attempt of held) assert.equal((await t.reserveAccount(attempt, 'id:u1', false)).allowed, true);
  for (let i = 0; i < 5; i++) assert.equal((await t.reserveAccount({ ip: 'a' }, 'id:u1', false)).allowed, false);
  await t.notChecked(held[0]!);
  assert.equal((await t.reserveAccount({ ip: 'a' }, 'id:u1', false)).allowed, true);
  assert.equal((await t.reserveAccount({ ip: 'a' }, 'id:u1', false)).allowed, false);
});

it('a right password clears the account count and gives back only its own attempt at the address', async () => {
  const t = throttle(3, 4);
  for (let i = 0; i < 2; i++) assert.equal((await fail(t, 'a', 'id:u1')).allowed, true);
  const right: PasswordAttempt = { ip: 'a' };
  assert.equal((await t.reserveAddress('a')).allowed, true);
  assert.equal((await t.reserveAccount(right, 'id:u1', false)).allowed, true);
  await t.succeeded(right);
  // The account starts afresh: three more; the address keeps its two failures: two more.
  for (let i = 0; i < 2; i++) assert.equal((await fail(t, 'a', 'id:u1')).allowed, true, `attempt ${i + 1}`);
  const refused = await t.reserveAddress('a');
  assert.ok(!refused.allowed && refused.scope === 'ip');
  assert.equal((await t.reserveAccount({ ip: 'b' }, 'id:u1', false)).allowed, true, 'the account had two of three');
});

it('a browser known for the account is not counted there, and is not refused by it', async () => {
  const t = throttle(1, 1000);
  assert.equal((await fail(t, 'a', 'id:u1')).allowed, true);
  assert.equal((await fail(t, 'a', 'id:u1')).allowed, false);
  const known: PasswordAttempt = { ip: 'a' };
  assert.equal((await t.reserveAccount(known, 'id:u1', true)).allowed, true);
  await t.notChecked(known);
  const after = await fail(t, 'a', 'id:u1');
  assert.equal(after.allowed, false, 'giving back the known browser attempt took nothing from the count');
});

it('the directory not answering gives back both the address and the account attempt', async () => {
  const t = throttle(1, 1);
  const attempt: PasswordAttempt = { ip: 'a' };
  assert.equal((await t.reserveAddress('a')).allowed, true);
  assert.equal((await t.reserveAccount(attempt, 'id:u1', false)).allowed, true);
  await t.notChecked(attempt);
  assert.equal((await fail(t, 'a', 'id:u1')).allowed, true);
});

it('an account is its directory id; a login naming nobody is its normalized spelling', () => {
  assert.equal(accountOf({ id: 'u1' }, 'carol'), accountOf({ id: 'u1' }, 'carol@example.test'));
  assert.equal(accountOf(undefined, ' NoBody '), accountOf(undefined, 'nobody'));
  assert.equal(accountOf(undefined, 'zoe\u0308'), accountOf(undefined, 'ZOË'));
  assert.notEqual(accountOf(undefined, 'u1'), accountOf({ id: 'u1' }, 'x'), 'a login cannot collide with an id');
});

/** Runs `n` checks of these transactions at once; returns the most that ran together per transaction. */
async function concurrency(t: PasswordThrottle, txIds: string[], checkMs: number) {
  const running = new Map<string, number>();
  const most = new Map<string, number>();
  const results = await Promise.all(
    txIds.map((tx) =>
      t.oneCheckAtATime(tx, async () => {
        running.set(tx, (running.get(tx) ?? 0) + 1);
        most.set(tx, Math.max(most.get(tx) ?? 0, running.get(tx)!));
        await sleep(checkMs);
        running.set(tx, running.get(tx)! - 1);
        return tx;
      }),
    ),
  );
  return { most, results };
}

it('checks of one transaction run one at a time; the others wait, then run', async () => {
  const t = throttle(10, 100);
  const { most, results } = await concurrency(t, ['tx1', 'tx1', 'tx1', 'tx1', 'tx1', 'tx2', 'tx2'], 30);
  assert.equal(most.get('tx1'), 1);
  assert.equal(most.get('tx2'), 1);
  assert.deepEqual(results, ['tx1', 'tx1', 'tx1', 'tx1', 'tx1', 'tx2', 'tx2'], 'every check ran');
});

it('a post that waits longer than waitMs gets no check (undefined)', async () => {
  const t = throttle(10, 100, { ttlMs: 60_000, waitMs: 100 });
  const { results } = await concurrency(t, ['tx1', 'tx1'], 400);
  assert.deepEqual([...results].sort(), ['tx1', undefined].sort());
});

it('a lock left behind (a node that crashed mid-check) ends with its TTL', async () => {
  const t = throttle(10, 100, { ttlMs: 200, waitMs: 2_000 });
  await store.set('throttle:password-check:tx1', 'a crashed node', { ttlMs: 200 });
  const started = Date.now();
  assert.equal(await t.oneCheckAtATime('tx1', async () => 'ran'), 'ran');
  assert.ok(Date.now() - started >= 150, 'it waited for the TTL');
});

it('a check that outlived its lock does not end the lock of the check after it', async () => {
  const t = throttle(10, 100, { ttlMs: 300, waitMs: 1_000 });
  const first = t.oneCheckAtATime('tx1', () => sleep(450, 'first'));
  await sleep(350);
  // The first lock expired: a second check takes the lock and is still running when the first ends.
  let secondRunning = true;
  const second = t.oneCheckAtATime('tx1', async () => {
    await sleep(250);
    secondRunning = false;
    return 'second';
  });
  assert.equal(await first, 'first');
  assert.equal(secondRunning, true);
  assert.ok(await store.get('throttle:password-check:tx1'), 'the second check still holds the lock');
  assert.equal(await second, 'second');
});
