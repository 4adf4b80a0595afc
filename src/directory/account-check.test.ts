import { it } from 'mocha';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AccountCheck, accountCheckFor } from './account-check.ts';
import type { DirectoryUser } from './contract.ts';
import { LocalFileDirectory, writeUsersFile } from './local-file.ts';
import { hashPassword } from './password-hash.ts';
import { tempDir } from '../../test/support/temp.ts';

/** A directory held in a map, counting lookups; `down` makes it fail like an unreachable server. */
function directory(users: Record<string, DirectoryUser>) {
  const state = { lookups: 0, down: false };
  return {
    state,
    users,
    async findUserById(id: string): Promise<DirectoryUser | undefined> {
      state.lookups++;
      if (state.down) throw new Error('connect ECONNREFUSED');
      return users[id] && { ...users[id] };
    },
  };
}
const alice = (): DirectoryUser => ({ id: 'a1', username: 'alice', groups: ['staff'], attributes: {} });

it('answers are kept for the lifetime, then the directory is asked again', async () => {
  const dir = directory({ a1: alice() });
  let now = 1_000;
  const check = new AccountCheck(dir, { lifetimeMs: 60_000, now: () => now });
  assert.deepEqual(await check.check('a1'), { usable: true, user: alice() });
  dir.users.a1!.disabled = true;
  now += 59_999;
  assert.equal((await check.check('a1')).usable, true, 'still the kept answer');
  assert.equal(dir.state.lookups, 1);
  now += 1;
  assert.deepEqual(await check.check('a1'), {
    usable: false,
    reason: 'disabled',
    user: { ...alice(), disabled: true },
  });
  delete dir.users.a1;
  now += 60_000;
  assert.deepEqual(await check.check('a1'), { usable: false, reason: 'deleted' });
});

it('the groups are those of the latest answer', async () => {
  const dir = directory({ a1: alice() });
  let now = 0;
  const check = new AccountCheck(dir, { lifetimeMs: 1_000, now: () => now });
  await check.check('a1');
  dir.users.a1!.groups = [];
  now = 1_000;
  const status = await check.check('a1');
  assert.deepEqual(status.usable && status.user.groups, []);
});

it('a refusal is not kept: an account enabled again works at once', async () => {
  const dir = directory({ a1: { ...alice(), disabled: true } });
  const check = new AccountCheck(dir, { lifetimeMs: 60_000 });
  assert.equal((await check.check('a1')).usable, false);
  delete dir.users.a1!.disabled;
  assert.equal((await check.check('a1')).usable, true);
  assert.equal((await check.check('a1')).usable, true);
  assert.equal(dir.state.lookups, 2);
});

it('concurrent checks share one lookup; a failed lookup is not kept', async () => {
  const dir = directory({ a1: alice() });
  const check = new AccountCheck(dir, { lifetimeMs: 60_000 });
  dir.state.down = true;
  await assert.rejects(Promise.all([check.check('a1'), check.check('a1')]), /ECONNREFUSED/);
  assert.equal(dir.state.lookups, 1);
  dir.state.down = false;
  assert.equal((await check.check('a1')).usable, true);
  assert.equal(dir.state.lookups, 2);
});

it('at most maxEntries answers are kept, the oldest dropped first', async () => {
  const dir = directory({ a1: alice(), b2: { ...alice(), id: 'b2' }, c3: { ...alice(), id: 'c3' } });
  const check = new AccountCheck(dir, { lifetimeMs: 60_000, maxEntries: 2 });
  for (const id of ['a1', 'b2', 'c3']) await check.check(id);
  await check.check('c3');
  await check.check('b2');
  assert.equal(dir.state.lookups, 3);
  await check.check('a1');
  assert.equal(dir.state.lookups, 4, 'a1 was dropped');
});

it('the local user file is asked every time: a user disabled there is refused as soon as it is re-read', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'users.yaml');
    const record = { id: 'a1', groups: [], password: await hashPassword('a password'), disabled: false };
    writeUsersFile(file, { alice: record });
    const check = accountCheckFor(new LocalFileDirectory(file), 60_000);
    assert.equal((await check.check('a1')).usable, true);
    writeUsersFile(file, { alice: { ...record, disabled: true } });
    await sleep(1_100);
    assert.equal((await check.check('a1')).usable, false);
  } finally {
    cleanup();
  }
});
