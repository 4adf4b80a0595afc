import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import { latchFails, latchOk } from '../support/passcodes.ts';
import { startTestLatch, type LatchProcess } from '../support/latch.ts';
import { duo, errorOf, okOf, user } from './support.ts';

// `latch integrations …` against a running `latch serve`: the keys it prints work at once (the
// integration is in the store the server reads), rotate-secret and remove end the old keys at
// once, and a bad --policy or --type is refused with what to fix, adding nothing.

function keysOf(stdout: string): { ikey: string; skey: string } {
  const ikey = /integration key: +(DI[A-Z0-9]{18})/.exec(stdout)?.[1];
  const skey = /secret key: +([A-Za-z0-9_-]{40})\n/.exec(stdout)?.[1];
  assert.ok(ikey && skey, stdout);
  return { ikey, skey };
}

describe('latch integrations (command line)', function () {
  let latch: LatchProcess;
  let api: Parameters<typeof duo>[0];

  before(async () => {
    latch = await startTestLatch({ run: 'process', host: 'localhost', users: [user('alice')] });
    // duo_client's plain-HTTP mode (ca_certs="HTTP"): TLS is covered by the other Auth API tests.
    api = { certs: { caFile: 'HTTP', certFile: '', keyFile: '' }, port: latch.port };
  });

  after(async () => {
    await latch?.stop();
  });

  it('add prints keys that the running server accepts at once, and the API hostname', async () => {
    const out = await latchOk(latch.env, [
      'integrations',
      'add',
      'ssh servers',
      '--type',
      'auth-api',
      '--policy',
      '{ newUser: deny }',
    ]);
    assert.match(out, new RegExp(`API hostname: +localhost:${latch.port}`));
    const keys = keysOf(out);
    okOf(await duo(api, keys, { call: 'check' }));
    const denied = okOf<{ result: string }>(await duo(api, keys, { call: 'preauth', args: { username: 'alice' } }));
    assert.equal(denied.result, 'deny', "the integration's policy layer (newUser: deny) applies");
    const listed = await latchOk(latch.env, ['integrations', 'list']);
    assert.match(listed, /ssh servers +auth-api +DI[A-Z0-9]{18}/);
    assert.ok(!listed.includes(keys.skey), 'list never shows a secret key');
  });

  it('rotate-secret: the old secret key stops working, the new one works', async () => {
    const old = keysOf(await latchOk(latch.env, ['integrations', 'add', 'rotating', '--type', 'auth-api']));
    const rotated = keysOf(await latchOk(latch.env, ['integrations', 'rotate-secret', 'rotating']));
    assert.equal(rotated.ikey, old.ikey);
    assert.equal(errorOf(await duo(api, old, { call: 'check' })).body?.code, 40103);
    okOf(await duo(api, rotated, { call: 'check' }));
  });

  it('remove: its keys stop working at once', async () => {
    const keys = keysOf(await latchOk(latch.env, ['integrations', 'add', 'leaving', '--type', 'auth-api']));
    assert.match(await latchOk(latch.env, ['integrations', 'remove', keys.ikey]), /Removed integration "leaving"/);
    assert.equal(errorOf(await duo(api, keys, { call: 'check' })).body?.code, 40102);
  });

  it('a bad --type, --policy or a taken name is refused with what to fix, and adds nothing', async () => {
    const before = await latchOk(latch.env, ['integrations', 'list']);
    const cases: Array<[string[], RegExp]> = [
      [['--type', 'radius'], /--type: expected auth-api or universal-prompt \(got radius\)/],
      [['--type', 'auth-api', '--policy', '{ newUser: maybe }'], /--policy\.newUser: Invalid option/],
      [['--type', 'auth-api', '--policy', '{ unknown: 1 }'], /--policy: Unrecognized key: "unknown"/],
    ];
    for (const [args, message] of cases)
      assert.match((await latchFails(latch.env, ['integrations', 'add', 'broken', ...args])).stderr, message);
    assert.match(
      (await latchFails(latch.env, ['integrations', 'add', 'SSH Servers', '--type', 'auth-api'])).stderr,
      /an integration named "SSH Servers" already exists/,
    );
    assert.equal(await latchOk(latch.env, ['integrations', 'list']), before);
  });
});
