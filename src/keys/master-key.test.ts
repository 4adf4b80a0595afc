import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'mocha';
import { tempDir } from '../../test/support/keys.ts';
import { initMasterKey, MasterKey, readMasterKey } from './master-key.ts';

describe('master key', () => {
  it('init-master writes 32 random bytes (0600) and never overwrites a key', async () => {
    const file = path.join(tempDir(), 'master.key');
    await initMasterKey(file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^[A-Za-z0-9_-]{43}\n$/);
    await assert.rejects(initMasterKey(file), /already exists: a master key is never overwritten/);
    assert.equal(readFileSync(file, 'utf8'), text, 'unchanged');
    const key = await readMasterKey(file);
    assert.equal(key.open(key.seal('secret', 'k'), 'k'), 'secret');
  });

  it('refuses a key file others can read, a missing one and one that is not a key, naming the fix', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'master.key');
    await initMasterKey(file);
    chmodSync(file, 0o644);
    await assert.rejects(
      readMasterKey(file),
      new RegExp(`keys.masterKeyFile: ${file}: mode 0644 lets others read it; chmod 600`),
    );
    await assert.rejects(
      readMasterKey(path.join(dir, 'nope')),
      /cannot read the file \(ENOENT\); create one with: npx latch keys init-master/,
    );
    const short = path.join(dir, 'short.key');
    writeFileSync(short, 'c2hvcnQ\n', { mode: 0o600 });
    await assert.rejects(readMasterKey(short), /expected 32 bytes in base64url on one line/);
  });

  it('a sealed value opens only for its record and under its master key, and hides the plaintext', () => {
    const key = new MasterKey(randomBytes(32));
    const sealed = key.seal('{"private":"pem"}', 'keys:signing');
    assert.ok(!sealed.includes('pem'));
    assert.notEqual(key.seal('{"private":"pem"}', 'keys:signing'), sealed, 'a fresh IV each time');
    assert.throws(() => key.open(sealed, 'secret:server'), /unable to authenticate/i);
    assert.throws(() => new MasterKey(randomBytes(32)).open(sealed, 'keys:signing'), /unable to authenticate/i);
    const [v, iv, body, tag] = sealed.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0]! ^= 1;
    assert.throws(
      () => key.open([v, iv, flipped.toString('base64url'), tag].join('.'), 'keys:signing'),
      /unable to authenticate/i,
    );
  });
});
