import { it } from 'mocha';
import assert from 'node:assert/strict';
import { passcodesForEachTest } from '../../../test/support/passcode-store.ts';

const parts = passcodesForEachTest();

const DAY = 86_400_000;

it('generated codes are 10 digits in two groups, unique, and work typed with or without spaces', async () => {
  const codes = await parts.passcodes.bypassCodes.generate('u1', { count: 5, uses: 1, lifetimeMs: DAY });
  assert.equal(codes.length, 5);
  assert.equal(new Set(codes).size, 5);
  for (const code of codes) assert.match(code, /^\d{5} \d{5}$/);
  assert.deepEqual(await parts.passcodes.bypassCodes.consume('u1', codes[0]!.replace(' ', '')), {
    ok: true,
    usesLeft: 0,
  });
  assert.deepEqual(await parts.passcodes.bypassCodes.consume('u1', ` ${codes[1]!.replace(' ', '-')} `), {
    ok: true,
    usesLeft: 0,
  });
});

it('each use counts down; a used-up code is refused and no longer listed', async () => {
  const [code] = await parts.passcodes.bypassCodes.generate('u1', { count: 1, uses: 2, lifetimeMs: DAY });
  assert.deepEqual(
    (await parts.passcodes.bypassCodes.list('u1')).map((c) => c.usesLeft),
    [2],
  );
  assert.deepEqual(await parts.passcodes.bypassCodes.consume('u1', code!), { ok: true, usesLeft: 1 });
  assert.deepEqual(await parts.passcodes.bypassCodes.consume('u1', code!), { ok: true, usesLeft: 0 });
  assert.deepEqual(await parts.passcodes.bypassCodes.consume('u1', code!), { ok: false });
  assert.deepEqual(await parts.passcodes.bypassCodes.list('u1'), []);
  assert.equal(await parts.passcodes.bypassCodes.hasUsable('u1'), false);
});

it('the last use of a code cannot be spent twice by concurrent requests', async () => {
  const [code] = await parts.passcodes.bypassCodes.generate('u1', { count: 1, uses: 1, lifetimeMs: DAY });
  const results = await Promise.all(Array.from({ length: 4 }, () => parts.passcodes.bypassCodes.consume('u1', code!)));
  assert.equal(results.filter((r) => r.ok).length, 1);
});

it('an expired code is refused', async () => {
  const [code] = await parts.passcodes.bypassCodes.generate('u1', { count: 1, uses: 1, lifetimeMs: 30 });
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(await parts.passcodes.bypassCodes.consume('u1', code!), { ok: false });
  assert.equal(await parts.passcodes.bypassCodes.hasUsable('u1'), false);
});

it("codes are stored only as keyed hashes, and one user's code does not work for another", async () => {
  const [code] = await parts.passcodes.bypassCodes.generate('u1', { count: 1, uses: 1, lifetimeMs: DAY });
  const digits = code!.replace(' ', '');
  const members = await parts.store.listIndex('bypass:user:u1');
  assert.equal(members.length, 1);
  assert.ok(!members[0]!.includes(digits));
  assert.ok(!JSON.stringify(await parts.store.get(`bypass:u1:${members[0]}`)).includes(digits));
  assert.deepEqual(await parts.passcodes.bypassCodes.consume('u2', code!), { ok: false });
  assert.deepEqual(await parts.passcodes.bypassCodes.consume('u1', '12345'), { ok: false }, 'malformed');
});

it('revoke deletes every code of the user', async () => {
  const codes = await parts.passcodes.bypassCodes.generate('u1', { count: 3, uses: 1, lifetimeMs: DAY });
  await parts.passcodes.bypassCodes.generate('u2', { count: 1, uses: 1, lifetimeMs: DAY });
  assert.equal(await parts.passcodes.bypassCodes.revoke('u1'), 3);
  for (const code of codes) assert.deepEqual(await parts.passcodes.bypassCodes.consume('u1', code), { ok: false });
  assert.equal(await parts.passcodes.bypassCodes.hasUsable('u2'), true);
});

it('the code throttle refuses attempts over the limit until a correct code clears it', async () => {
  for (let i = 0; i < 3; i++) assert.deepEqual(await parts.passcodes.throttle.attempt('u1'), { allowed: true });
  const refused = await parts.passcodes.throttle.attempt('u1');
  assert.equal(refused.allowed, false);
  assert.ok(!refused.allowed && refused.retryAfterMs > 0 && refused.retryAfterMs <= 60_000);
  assert.deepEqual(await parts.passcodes.throttle.attempt('u2'), { allowed: true }, 'per user');
  await parts.passcodes.throttle.recordSuccess('u1');
  assert.deepEqual(await parts.passcodes.throttle.attempt('u1'), { allowed: true });
});
