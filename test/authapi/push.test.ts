import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import type { OpenIntegration } from '../../src/idp/authapi/integrations.ts';
import {
  addIntegration,
  duo,
  okOf,
  startAuthApiLatch,
  TrustingPhone,
  user,
  type AuthApiLatch,
  type ClientSettings,
} from './support.ts';

// Push over the Auth API with Debian's duo_client, answered by the command-line Latch
// Authenticator: the phone shows the integration and the client's pushinfo; approve, deny and
// fraud reach the client; async auth is polled with auth_status; pushes past the limit get 429.

type Auth = { result: string; status: string; status_msg: string };

describe('Auth API push with duo_client and the Latch Authenticator', function () {
  let api: AuthApiLatch;
  let ssh: OpenIntegration;
  let client: ClientSettings;
  let phone: TrustingPhone;

  before(async () => {
    api = await startAuthApiLatch([user('dave'), user('erin')], {
      push: { fraudPause: '1h', sendLimit: { maxPushes: 6, window: '10m' } },
      authApi: { longPollTimeout: '3s' },
    });
    ssh = await addIntegration(api.latch, 'bastion');
    client = { ikey: ssh.ikey, skey: ssh.secret };
    phone = new TrustingPhone(api.certs.caFile);
    await phone.activateFor(api.latch, 'dave');
  });

  after(async () => {
    await api?.latch.stop();
  });

  const pushAuth = (extra: Record<string, string> = {}) =>
    duo(api, client, {
      call: 'auth',
      args: {
        factor: 'push',
        username: 'dave',
        device: 'auto',
        pushinfo: 'Server+IP=10.0.0.5&Command=sudo+systemctl+restart+nginx',
        ...extra,
      },
    });

  it("preauth offers the phone with push and passcodes, and login_duo's menu with push as the default", async () => {
    const answer = okOf<{
      result: string;
      devices: Array<{ type: string; capabilities: string[] }>;
      prompt: { text: string; factors: Record<string, string> };
    }>(await duo(api, client, { api: ['POST', '/auth/v2/preauth', { username: 'dave', text_prompt: '1' }] }));
    assert.equal(answer.result, 'auth');
    assert.deepEqual(
      answer.devices.map((d) => [d.type, d.capabilities]),
      [['phone', ['auto', 'push', 'mobile_otp']]],
    );
    assert.deepEqual(answer.prompt.factors, { 1: 'push1', default: 'push1' });
    assert.match(
      answer.prompt.text,
      / 1\. Push to the Latch Authenticator \(dave's phone\)\n\nPasscode or option \(1-1\): $/,
    );
  });

  it('a push approved on the phone allows the login; the phone showed the integration and the pushinfo', async () => {
    const auth = pushAuth();
    const pending = await phone.ok('pending', '--wait', '10');
    assert.match(pending, /app: +bastion/);
    assert.match(pending, /Server IP: 10\.0\.0\.5/);
    assert.match(pending, /Command: +sudo systemctl restart nginx/);
    await phone.ok('approve');
    const answer = okOf<Auth>(await auth);
    assert.deepEqual([answer.result, answer.status], ['allow', 'allow']);
  });

  it('a push denied on the phone denies the login', async () => {
    const auth = pushAuth({ ipaddr: '192.0.2.10' });
    await phone.ok('deny', '--wait', '10');
    const answer = okOf<Auth>(await auth);
    assert.equal(answer.result, 'deny');
  });

  it('async auth returns a txid; auth_status says waiting, then allow once approved', async () => {
    const { txid } = okOf<{ txid: string }>(
      await duo(api, client, { call: 'auth', args: { factor: 'auto', username: 'dave', async_txn: true } }),
    );
    assert.match(txid, /^[A-Za-z0-9_-]{43}$/);
    const approval = phone.ok('approve', '--wait', '10');
    const status = okOf<{ waiting: boolean; success: boolean; status: string }>(
      await duo(api, client, { call: 'auth_status', args: { txid } }),
    );
    await approval;
    const final = status.waiting
      ? okOf<{ waiting: boolean; success: boolean }>(await duo(api, client, { call: 'auth_status', args: { txid } }))
      : status;
    assert.deepEqual([final.waiting, final.success], [false, true]);
  });

  it('verified push: the client that supports it shows the code, the phone must type it', async () => {
    const { txid } = okOf<{ txid: string }>(
      await duo(api, client, {
        api: [
          'POST',
          '/auth/v2/auth',
          { factor: 'push', username: 'dave', device: 'auto', async: '1', client_supports_verified_push: '1' },
        ],
      }),
    );
    const waiting = okOf<{ result: string; status_msg: string }>(
      await duo(api, client, { api: ['GET', '/auth/v2/auth_status', { txid }] }),
    );
    assert.equal(waiting.result, 'waiting');
    const code = /Enter (\d+) in the Latch Authenticator/.exec(waiting.status_msg)?.[1];
    assert.ok(code, waiting.status_msg);
    await phone.ok('approve', '--code', code);
    const final = okOf<{ result: string }>(
      await duo(api, client, { api: ['GET', '/auth/v2/auth_status', { txid, poll: '2' }] }),
    );
    assert.equal(final.result, 'allow');
  });

  it('a push reported as fraud is denied as fraud, and pushes to that user pause', async () => {
    const auth = pushAuth({ ipaddr: '192.0.2.11' });
    await phone.ok('deny', '--fraud', '--wait', '10');
    const answer = okOf<Auth>(await auth);
    assert.deepEqual([answer.result, answer.status], ['deny', 'fraud']);
    const paused = okOf<Auth>(await pushAuth({ ipaddr: '192.0.2.12' }));
    assert.deepEqual([paused.result, paused.status], ['deny', 'locked_out']);
    assert.match(paused.status_msg, /Push is paused/);
  });

  it('a user without any factor is let in by the default new-user policy; pushes past the send limit get 429 with Retry-After', async () => {
    const none = okOf<Auth>(
      await duo(api, client, { call: 'auth', args: { factor: 'push', username: 'erin', device: 'auto' } }),
    );
    assert.equal(none.result, 'allow', 'erin has no factor: the default new-user policy lets her in');
    const erinPhone = new TrustingPhone(api.certs.caFile);
    await erinPhone.activateFor(api.latch, 'erin');
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const answer = await duo(api, client, {
        raw: {
          method: 'POST',
          path: '/auth/v2/auth',
          params: { factor: 'push', username: 'erin', async: '1', ipaddr: `192.0.2.${20 + i}` },
        },
      });
      const [first] = okOf<Array<{ status: number; retry_after: string | null; body: { code?: number } }>>(answer);
      statuses.push(first!.status);
      if (first!.status === 429) {
        assert.equal(first!.body.code, 42901);
        assert.ok(Number(first!.retry_after) > 0);
      }
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429, 429]);
  });
});
