import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../test/support/temp.ts';
import { LocalFileDirectory, writeUsersFile, newUserId } from './local-file.ts';
import { hashPassword, verifyPassword } from './password-hash.ts';

test('password hashes are salted scrypt and verify only the right password', async () => {
  const a = await hashPassword('pässword 1');
  const b = await hashPassword('pässword 1');
  assert.match(a, /^\$scrypt\$ln=15,r=8,p=1\$/);
  assert.notEqual(a, b, 'each hash has its own salt');
  assert.equal(await verifyPassword('pässword 1', a), true);
  assert.equal(await verifyPassword('pässword 1'.normalize('NFD'), a), true, 'Unicode forms are equal');
  assert.equal(await verifyPassword('password 1', a), false);
});

test('the local directory finds users case-insensitively, by name or email, and re-reads the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'users.yaml');
    writeUsersFile(file, { Alice: { id: newUserId(), email: 'alice@example.test', groups: ['staff'], password: await hashPassword('secret pw'), disabled: false } });
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

    writeUsersFile(file, { bob: { id: newUserId(), groups: [], password: await hashPassword('bobs pw!'), disabled: true } });
    await directory.ping(); // forces the re-read the server does at most once a second
    assert.equal(await directory.findUser('alice'), undefined);
    assert.deepEqual(await directory.verifyPassword('bob', 'bobs pw!'), { ok: false, reason: 'account-disabled' });
  } finally {
    cleanup();
  }
});
