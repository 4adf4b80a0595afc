import { it } from 'mocha';
import assert from 'node:assert/strict';
import { statSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../test/support/temp.ts';
import { LocalFileDirectory, writeUsersFile, newUserId } from './local-file.ts';
import { hashPassword, verifyPassword } from './password-hash.ts';

it('password hashes are salted scrypt and verify only the right password', async () => {
  const a = await hashPassword('pässword 1');
  const b = await hashPassword('pässword 1');
  assert.match(a, /^\$scrypt\$ln=15,r=8,p=1\$/);
  assert.notEqual(a, b, 'each hash has its own salt');
  assert.equal(await verifyPassword('pässword 1', a), true);
  assert.equal(await verifyPassword('pässword 1'.normalize('NFD'), a), true, 'Unicode forms are equal');
  assert.equal(await verifyPassword('password 1', a), false);
});

it('the local directory finds users case-insensitively, by name or email, and re-reads the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'users.yaml');
    writeUsersFile(file, {
      Alice: {
        id: newUserId(),
        email: 'alice@example.test',
        groups: ['staff'],
        password: await hashPassword('secret pw'),
        disabled: false,
      },
    });
    assert.equal(statSync(file).mode & 0o777, 0o600, 'the file holds hashes: owner only');
    assert.doesNotMatch(readFileSync(file, 'utf8'), /secret pw/);
    const directory = new LocalFileDirectory(file);
    assert.equal((await directory.findUser('alice'))?.username, 'Alice');
    assert.equal((await directory.findUser('ALICE@example.test'))?.groups[0], 'staff');
    assert.equal(await directory.findUser('al*'), undefined);
    const ok = await directory.verifyPassword('alice', 'secret pw');
    assert.ok(ok.ok);
    assert.deepEqual(await directory.verifyPassword('alice', 'wrong'), { ok: false, reason: 'invalid-credentials' });
    assert.deepEqual(await directory.verifyPassword('bob', 'secret pw'), { ok: false, reason: 'user-not-found' });
    assert.deepEqual(await directory.verifyPassword('alice', ''), { ok: false, reason: 'empty-password' });

    writeUsersFile(file, {
      bob: { id: newUserId(), groups: [], password: await hashPassword('bobs pw!'), disabled: true },
    });
    await directory.ping(); // forces the re-read the server does at most once a second
    assert.equal(await directory.findUser('alice'), undefined);
    assert.deepEqual(await directory.verifyPassword('bob', 'bobs pw!'), { ok: false, reason: 'account-disabled' });
  } finally {
    cleanup();
  }
});

it('verifyPassword names the account to beforeCheck, whatever the spelling, before trying the password', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'users.yaml');
    const id = newUserId();
    const password = await hashPassword('secret pw');
    writeUsersFile(file, { carol: { id, email: 'carol@example.test', groups: [], password, disabled: false } });
    const directory = new LocalFileDirectory(file);
    const seen: Array<string | undefined> = [];
    /** verifyPassword with a beforeCheck that notes the account it is given and answers `answer`. */
    const check = (login: string, pw: string, answer: 'check' | 'stop') =>
      directory.verifyPassword(login, pw, async (user) => {
        seen.push(user?.id);
        return answer;
      });
    for (const login of ['carol', ' CAROL ', 'Carol@Example.TEST']) {
      assert.equal((await check(login, 'secret pw', 'check')).ok, true, login);
    }
    assert.deepEqual(await check('nobody', 'secret pw', 'check'), { ok: false, reason: 'user-not-found' });
    assert.deepEqual(seen, [id, id, id, undefined], 'once per check: the id for every spelling, undefined for nobody');

    assert.deepEqual(await check('carol', 'secret pw', 'stop'), { ok: false, reason: 'not-checked' });
    assert.deepEqual(await check('nobody', 'x', 'stop'), { ok: false, reason: 'not-checked' });
    assert.deepEqual(await check('carol', '', 'check'), { ok: false, reason: 'empty-password' });
    assert.equal(seen.length, 6, 'an empty password is refused before the account is named');
  } finally {
    cleanup();
  }
});
