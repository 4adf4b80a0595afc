import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'mocha';
import { createPush } from '../../src/methods/push/push.ts';
import type { PushRelay } from '../../src/methods/push/relay.ts';
import { AuthLog } from '../../src/authn/auth-log.ts';
import { parseActivationUrl } from '../../src/methods/push/protocol.ts';
import { activate, DeviceClient, ECDSA_P256, publicJwkOf } from '../../src/authenticator/core/client.ts';
import { loadConfig } from '../../src/config/load.ts';
import { newUserId, writeUsersFile } from '../../src/directory/local-file.ts';
import { hashPassword } from '../../src/directory/password-hash.ts';
import { createLogger } from '../../src/ops/logger.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { HttpClient } from '../support/http-client.ts';
import { addUser } from '../support/commands.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { scratchDir } from '../support/temp.ts';
import { activationLink, PASSWORD } from './helpers.ts';
import { startPushService, STAND_IN_HOST, type PushServiceStandIn } from './push-service.ts';

// Waking a phone that is not polling: Web Push (VAPID) to the phone web app, received here by a
// local stand-in for the browser vendor's push service (./push-service.ts), and the relay
// interface for FCM/APNs with a fake relay.

function b64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

describe('waking the phone', () => {
  let latch: InProcessLatch;
  let pushService: PushServiceStandIn;

  before(async () => {
    pushService = await startPushService();
    const dataDir = scratchDir('latch-data-');
    writeUsersFile(path.join(dataDir, 'users.yaml'), {
      alice: { id: newUserId(), groups: [], password: await hashPassword(PASSWORD), disabled: false },
    });
    // The stand-in's name resolves to its loopback address, and only this Latch may connect there:
    // the system's DNS does not know the name, so delivery shows Latch connects to the checked address.
    const network = {
      resolve: async (host: string) => (host === STAND_IN_HOST ? ['127.0.0.1'] : []),
      permits: (address: string) => address === '127.0.0.1',
    };
    latch = await startTestLatch({
      config: { push: { webPush: { allowedHosts: [STAND_IN_HOST] } } },
      dataDir,
      services: { webPushNetwork: network },
    });
  });

  after(async () => {
    pushService?.close();
    await latch?.stop();
  });

  it('a push to a phone web app that registered for Web Push is delivered, VAPID-signed and encrypted', async () => {
    const { token } = parseActivationUrl(await activationLink(latch.url, 'alice'));
    const keys = (await crypto.subtle.generateKey(ECDSA_P256, false, ['sign', 'verify'])) as CryptoKeyPair;
    const result = await activate(latch.url, token, {
      publicKey: await publicJwkOf(keys.publicKey),
      name: 'web phone',
      platform: 'web',
    });
    const device = new DeviceClient(latch.url, result.deviceId, keys.privateKey);
    // What a browser's PushSubscription holds: the push service URL and the app's ECDH key + secret.
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const endpoint = `https://${STAND_IN_HOST}:${pushService.port}/wpush/subscription-1`;
    await device.registerWebPush({
      endpoint,
      keys: { p256dh: b64url(ecdh.getPublicKey()), auth: b64url(randomBytes(16)) },
    });

    const browser = new HttpClient(latch.url);
    const pw = await browser.passwordPage('alice');
    const sent = await browser.submit(await browser.submit(pw, { password: PASSWORD }), { push: 'send' });
    const code = /aria-label="Verification code">(\d+)</.exec(sent.text)?.[1];
    assert.ok(code);
    await pushService.waitForMessages('/wpush/subscription-1', 5000);

    const received = pushService.received;
    assert.equal(received.length, 1, 'the push service got one message');
    const [message] = received;
    assert.equal(message!.path, '/wpush/subscription-1');
    assert.equal(message!.headers['content-encoding'], 'aes128gcm');
    assert.equal(message!.headers.urgency, 'high');
    assert.ok(Number(message!.headers.ttl) > 0 && Number(message!.headers.ttl) <= 60);
    const vapidKey = ((await (await fetch(`${latch.url}/push/api/web-push-key`)).json()) as { publicKey: string })
      .publicKey;
    const authorization = String(message!.headers.authorization);
    assert.match(authorization, new RegExp(`^vapid t=[^,]+, k=${vapidKey}$`));
    const claims = JSON.parse(
      Buffer.from(authorization.split('t=')[1]!.split(',')[0]!.split('.')[1]!, 'base64url').toString(),
    ) as { aud: string; sub: string };
    assert.equal(claims.aud, new URL(endpoint).origin);
    assert.equal(claims.sub, 'mailto:latch@localhost');
    assert.ok(message!.bytes > 0 && message!.bytes < 4096);
  });

  it('a native device is woken through the relay; a relay that fails does not stop the push', async () => {
    const calls: Parameters<PushRelay['wake']>[0][] = [];
    let failing = false;
    const relay: PushRelay = {
      async wake(message) {
        calls.push(message);
        if (failing) throw new Error('relay unreachable');
      },
    };
    const store = await openSqliteStore({ file: path.join(scratchDir('latch-relay-'), 'store.sqlite') });
    const config = loadConfig({ env: { LATCH_DATA_DIR: scratchDir('latch-data-') } });
    const log = createLogger('silent');
    const push = await createPush({
      config: { ...config.push, webPush: { ...config.push.webPush, enabled: false } },
      store,
      authLog: new AuthLog(store, log),
      log,
      trustLifetimeMs: 60_000,
      serverSecret: Buffer.alloc(32, 1),
      relay,
    });
    try {
      const keys = (await crypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
      const { device } = await push.devices.register({
        userId: 'u1',
        username: 'bob',
        displayName: 'Bob',
        publicKey: await publicJwkOf(keys.publicKey),
        name: 'Android',
        platform: 'android',
      });
      const input = {
        txId: 'tx1',
        purpose: 'second-factor' as const,
        app: 'Wiki',
        ip: '10.0.0.1',
        browser: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140',
        userVerificationRequired: false,
        withCode: true,
      };
      const first = await push.requests.send(device, input);
      assert.ok(first.ok);
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(
        calls.map((c) => ({ deviceId: c.deviceId, platform: c.platform, pushId: c.pushId, app: c.app })),
        [{ deviceId: device.id, platform: 'android', pushId: first.request.id, app: 'Wiki' }],
      );
      assert.ok(!JSON.stringify(calls).includes(first.request.code), 'the relay is not told the code');
      failing = true;
      const second = await push.requests.send(device, input);
      assert.ok(second.ok);
      assert.equal(
        (await push.requests.pendingFor(device.id))?.id,
        second.request.id,
        'still pending for the device to poll',
      );
      assert.equal(
        (await push.requests.get(first.request.id))?.state,
        'cancelled',
        'the newer push replaced the older one',
      );
    } finally {
      await push.close();
      await store.close();
    }
  });
});

describe('shutting down with phones waiting', () => {
  it('SIGTERM answers the open long-polls at once instead of waiting for their timeout', async () => {
    const latch = await startTestLatch({ run: 'process' });
    await addUser(latch.env, 'alice', { password: PASSWORD });
    const { token } = parseActivationUrl(await activationLink(latch.url, 'alice'));
    const keys = (await crypto.subtle.generateKey(ECDSA_P256, false, ['sign', 'verify'])) as CryptoKeyPair;
    const result = await activate(latch.url, token, {
      publicKey: await publicJwkOf(keys.publicKey),
      name: 'phone',
      platform: 'cli',
    });
    const waiting = new DeviceClient(latch.url, result.deviceId, keys.privateKey).pending(25);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    assert.equal(await latch.stop(), 0);
    assert.ok(Date.now() - started < 5000, `stopped in ${Date.now() - started} ms`);
    assert.deepEqual((await waiting).pending, [], 'the phone got an answer: nothing pending');
  });
});
