import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import type { OpenIntegration } from '../../src/idp/authapi/integrations.ts';
import { otherCode, totpCode } from '../support/passcodes.ts';
import {
  addIntegration,
  apiEvents,
  duo,
  errorOf,
  giveAuthenticatorApp,
  okOf,
  startAuthApiLatch,
  user,
  type AuthApiLatch,
  type ClientSettings,
} from './support.ts';

// The Auth API with Debian's unmodified duo_client (python3-duo-client), over HTTPS: what an SSH,
// PAM or console logon client built on it sees for each user and factor, and that a refused
// request changes nothing.

type Preauth = {
  result: string;
  status_msg: string;
  devices?: Array<{ type: string; device: string; capabilities: string[] }>;
  enroll_portal_url?: string;
  prompt?: { text: string; factors: Record<string, string> };
};
type Auth = { result: string; status: string; status_msg: string };

describe('Auth API with duo_client (Python)', function () {
  let api: AuthApiLatch;
  let ssh: OpenIntegration;
  let client: ClientSettings;
  let aliceSecret: string;

  before(async () => {
    api = await startAuthApiLatch([user('alice'), user('bob'), user('carol', { disabled: true })]);
    ssh = await addIntegration(api.latch, 'ssh servers');
    client = { ikey: ssh.ikey, skey: ssh.secret };
    aliceSecret = await giveAuthenticatorApp(api.latch, 'alice');
  });

  after(async () => {
    await api?.latch.stop();
  });

  it('answers ping unsigned and check signed, with the time', async () => {
    const now = Date.now() / 1000;
    const ping = okOf<{ time: number }>(await duo(api, client, { call: 'ping' }));
    const check = okOf<{ time: number }>(await duo(api, client, { call: 'check' }));
    for (const { time } of [ping, check]) assert.ok(Math.abs(time - now) < 30, `time ${time}`);
  });

  it('preauth of an enrolled user offers the authenticator app as a token, and the text prompt login_duo prints', async () => {
    const answer = okOf<Preauth>(
      await duo(api, client, { api: ['POST', '/auth/v2/preauth', { username: 'alice', text_prompt: '1' }] }),
    );
    assert.equal(answer.result, 'auth');
    assert.deepEqual(
      answer.devices?.map((d) => d.type),
      ['token'],
    );
    assert.match(answer.prompt!.text, /Latch two-factor login for alice[\s\S]*Passcode: $/);
  });

  it('preauth of a user without a factor: allowed by the default new-user policy, sent to enrollment under require-enrollment', async () => {
    const allowed = okOf<Preauth>(await duo(api, client, { call: 'preauth', args: { username: 'bob' } }));
    assert.equal(allowed.result, 'allow');
    const strict = await addIntegration(api.latch, 'strict servers', 'auth-api', { newUser: 'require-enrollment' });
    const enroll = okOf<Preauth>(
      await duo(api, { ikey: strict.ikey, skey: strict.secret }, { call: 'preauth', args: { username: 'bob' } }),
    );
    assert.equal(enroll.result, 'enroll');
    assert.equal(enroll.enroll_portal_url, `${api.latch.url}/account/authenticator`);
  });

  it('preauth and auth of a disabled user are denied', async () => {
    const preauth = okOf<Preauth>(await duo(api, client, { call: 'preauth', args: { username: 'carol' } }));
    assert.deepEqual(
      [preauth.result, preauth.status_msg],
      ['deny', 'Your account is disabled. Contact your IT help desk.'],
    );
    const auth = okOf<Auth>(
      await duo(api, client, { call: 'auth', args: { factor: 'passcode', username: 'carol', passcode: '123456' } }),
    );
    assert.equal(auth.result, 'deny');
  });

  it('auth with a TOTP passcode is allowed once; the same code again is denied', async () => {
    const code = totpCode(aliceSecret);
    const first = okOf<Auth>(
      await duo(api, client, { call: 'auth', args: { factor: 'passcode', username: 'alice', passcode: code } }),
    );
    assert.deepEqual([first.result, first.status], ['allow', 'allow']);
    // Another request (from another address), not a replay of the first within its second.
    const again = okOf<Auth>(
      await duo(api, client, {
        call: 'auth',
        args: { factor: 'passcode', username: 'alice', passcode: code, ipaddr: '192.0.2.2' },
      }),
    );
    assert.deepEqual([again.result, again.status], ['deny', 'deny']);
    const wrong = okOf<Auth>(
      await duo(api, client, {
        call: 'auth',
        args: { factor: 'passcode', username: 'alice', passcode: otherCode(totpCode(aliceSecret, 1)) },
      }),
    );
    assert.equal(wrong.result, 'deny');
  });

  it('auth with a bypass code is allowed, once', async () => {
    const alice = (await api.latch.services.directory.findUser('alice'))!;
    const [code] = await api.latch.services.passcodes.bypassCodes.generate(alice.id, {
      count: 1,
      uses: 1,
      lifetimeMs: 3_600_000,
    });
    const first = okOf<Auth>(
      await duo(api, client, { call: 'auth', args: { factor: 'passcode', username: 'alice', passcode: code } }),
    );
    assert.equal(first.result, 'allow');
    const again = okOf<Auth>(
      await duo(api, client, {
        call: 'auth',
        args: { factor: 'passcode', username: 'alice', passcode: code, ipaddr: '192.0.2.2' },
      }),
    );
    assert.equal(again.result, 'deny');
  });

  it("writes every call to the authentication log with the integration, the server's hostname and address", async () => {
    await duo(api, client, { call: 'preauth', args: { username: 'alice', ipaddr: '198.51.100.7' } });
    await duo(api, client, { api: ['POST', '/auth/v2/preauth', { username: 'alice', hostname: 'web1.example.com' }] });
    const [named, withIp] = await apiEvents(api.latch);
    assert.deepEqual(
      [named?.integration, named?.clientHost, named?.clientIp, named?.user],
      ['ssh servers', 'web1.example.com', '127.0.0.1', 'alice'],
    );
    assert.equal(withIp?.ip, '198.51.100.7');
  });

  it('accepts v2 signatures with HMAC-SHA512 and v4 signatures over a JSON body', async () => {
    for (const settings of [
      { ...client, digest: 'sha512' as const },
      { ...client, sig_version: 4, digest: 'sha512' as const },
    ]) {
      const answer = okOf<Preauth>(await duo(api, settings, { call: 'preauth', args: { username: 'alice' } }));
      assert.equal(answer.result, 'auth', JSON.stringify(settings));
    }
  });

  describe('refusals change nothing', () => {
    const refusedCases: Array<[string, (c: ClientSettings) => ClientSettings, number, RegExp]> = [
      [
        'a wrong signature',
        (c) => ({ ...c, skey: c.skey.replace(/^./, (x) => (x === 'A' ? 'B' : 'A')) }),
        40103,
        /Invalid signature/,
      ],
      ['a stale date', (c) => ({ ...c, date_offset: -600 }), 40105, /outside the allowed window/],
      ['an unknown integration key', (c) => ({ ...c, ikey: 'DIXXXXXXXXXXXXXXXXXX' }), 40102, /Invalid integration key/],
    ];
    for (const [what, change, code, message] of refusedCases) {
      it(`${what} gets ${code} and uses up no code`, async () => {
        const before = (await apiEvents(api.latch)).length;
        const alice = (await api.latch.services.directory.findUser('alice'))!;
        const [passcode] = await api.latch.services.passcodes.bypassCodes.generate(alice.id, {
          count: 1,
          uses: 1,
          lifetimeMs: 3_600_000,
        });
        const refused = errorOf(
          await duo(api, change(client), { call: 'auth', args: { factor: 'passcode', username: 'alice', passcode } }),
        );
        assert.equal(refused.status, 401);
        assert.equal(refused.body?.code, code);
        assert.match(refused.message, message);
        assert.equal((await apiEvents(api.latch)).length, before, 'a refused request is not an authentication');
        const accepted = okOf<Auth>(
          await duo(api, client, { call: 'auth', args: { factor: 'passcode', username: 'alice', passcode } }),
        );
        assert.equal(accepted.result, 'allow', 'the code was still unused');
      });
    }
  });
});
