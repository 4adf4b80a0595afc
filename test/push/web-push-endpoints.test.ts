import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'mocha';
import { AuthLog } from '../../src/authn/auth-log.ts';
import { createPush, type Push } from '../../src/methods/push/push.ts';
import { activationUrl, parseActivationUrl } from '../../src/methods/push/protocol.ts';
import { activate, DeviceClient, ECDSA_P256, LatchApiError, publicJwkOf } from '../../src/authenticator/core/client.ts';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { hashPassword } from '../../src/directory/password-hash.ts';
import { newUserId, writeUsersFile } from '../../src/directory/local-file.ts';
import { createLogger } from '../../src/ops/logger.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { writeConfig } from '../support/commands.ts';
import { scratchDir } from '../support/temp.ts';
import { PASSWORD } from './helpers.ts';
import { startPushService, STAND_IN_HOST, type PushServiceStandIn } from './push-service.ts';

// A user's own signed device call chooses the URL Latch posts Web Push to. Only the public push
// services of the browsers may be reached: never an address inside the network (loopback,
// private, link-local, cloud metadata), whatever the name, the configuration or DNS say.

/** DNS as the tests need it: these names answer as listed, any other name asks the system. */
function testResolver(answers: Record<string, string[]>) {
  return {
    async resolve(host: string): Promise<string[]> {
      const listed = answers[host];
      if (listed) return listed;
      return (await lookup(host, { all: true })).map((a) => a.address);
    },
  };
}

const PUBLIC_ANSWERS = {
  'fcm.googleapis.com': ['142.250.185.74', '2a00:1450:4001:82b::200a'],
  'updates.push.services.mozilla.com': ['34.107.243.93'],
  'push.example.com': ['93.184.215.14'],
  // Allowed by name, but pointing inside.
  'internal.notify.windows.com': ['10.20.30.40'],
  'rebind.push.apple.com': ['17.188.128.1', '127.0.0.1'],
  'metadata.push.apple.com': ['169.254.169.254'],
  'unique-local.push.apple.com': ['fd00::5'],
};

async function newDevice(latch: InProcessLatch, username: string): Promise<DeviceClient> {
  const user = (await latch.services.directory.findUser(username))!;
  const link = activationUrl(latch.url, (await latch.services.push.activations.issue(user, 'test')).token);
  const keys = (await crypto.subtle.generateKey(ECDSA_P256, false, ['sign', 'verify'])) as CryptoKeyPair;
  const { token } = parseActivationUrl(link);
  const result = await activate(latch.url, token, {
    publicKey: await publicJwkOf(keys.publicKey),
    name: 'phone',
    platform: 'web',
  });
  return new DeviceClient(latch.url, result.deviceId, keys.privateKey);
}

/** What a browser's PushSubscription holds: the push service URL and the app's ECDH key and secret. */
function subscription(endpoint: string) {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    endpoint,
    keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') },
  };
}

/** Registers the endpoint; the refusal (status, JSON error) or undefined when it was accepted. */
async function register(device: DeviceClient, endpoint: string): Promise<LatchApiError | undefined> {
  return device.registerWebPush(subscription(endpoint)).then(
    () => undefined,
    (err: unknown) => {
      assert.ok(err instanceof LatchApiError, String(err));
      return err;
    },
  );
}

async function startLatch(config: Record<string, unknown> = {}): Promise<InProcessLatch> {
  const dataDir = scratchDir('latch-data-');
  const hash = await hashPassword(PASSWORD);
  writeUsersFile(path.join(dataDir, 'users.yaml'), {
    mallory: { id: newUserId(), groups: [], password: hash, disabled: false },
  });
  return startTestLatch({ config, dataDir, services: { webPushNetwork: testResolver(PUBLIC_ANSWERS) } });
}

describe('registering a Web Push endpoint', () => {
  let latch: InProcessLatch;
  let device: DeviceClient;

  before(async () => {
    latch = await startLatch();
    device = await newDevice(latch, 'mallory');
  });

  after(async () => {
    await latch?.stop();
  });

  const stored = async () => (await latch.services.push.devices.get(device.deviceId))?.webPush;

  const refusedEndpoints: Array<[string, string]> = [
    ['plain http to loopback', 'http://127.0.0.1:8080/wpush/x'],
    ['a private IPv4 address', 'https://10.0.0.1/wpush/x'],
    ['IPv6 loopback', 'https://[::1]/wpush/x'],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/wpush/x'],
    ['the cloud metadata address', 'https://169.254.169.254/latest/meta-data/'],
    ['a public IP address (push services have names)', 'https://142.250.185.74/fcm/send/x'],
    ['localhost', 'https://localhost/wpush/x'],
    ['a public host that is not a push service', 'https://push.example.com/wpush/x'],
    ['an allowed name that resolves to a private address', 'https://internal.notify.windows.com/w/?token=x'],
    ['an allowed name with one loopback address among public ones', 'https://rebind.push.apple.com/x'],
    ['an allowed name that resolves to the metadata address', 'https://metadata.push.apple.com/latest/meta-data/'],
    ['an allowed name that resolves to a unique-local IPv6 address', 'https://unique-local.push.apple.com/x'],
    ['an allowed name that does not resolve', 'https://no-such-host.push.apple.com/x'],
    ['a look-alike host ending in an allowed name', 'https://evilfcm.googleapis.com.example.com/x'],
    ['credentials in the URL', 'https://user:secret@fcm.googleapis.com/fcm/send/x'],
  ];
  for (const [what, endpoint] of refusedEndpoints) {
    it(`refused, nothing stored: ${what}`, async () => {
      const err = await register(device, endpoint);
      assert.ok(err, `${endpoint} was accepted`);
      assert.equal(err.status, 400);
      assert.equal(err.code, 'invalid_endpoint');
      assert.match(err.message, /^endpoint: /, 'the error names the field');
      assert.equal(await stored(), undefined);
    });
  }

  it('the public push services of the browsers are accepted and stored', async () => {
    for (const endpoint of [
      'https://updates.push.services.mozilla.com/wpush/v2/gAAAAA',
      'https://fcm.googleapis.com/fcm/send/abc:def',
    ]) {
      assert.equal(await register(device, endpoint), undefined, endpoint);
      assert.equal((await stored())?.endpoint, endpoint);
    }
  });
});

describe('push.webPush.allowedHosts', () => {
  it('a configured name that resolves inside the network is still refused', async () => {
    const latch = await startLatch({ push: { webPush: { allowedHosts: ['localhost', 'notify.windows.com'] } } });
    try {
      const device = await newDevice(latch, 'mallory');
      for (const endpoint of ['https://localhost/wpush/x', 'https://internal.notify.windows.com/w/?token=x']) {
        const err = await register(device, endpoint);
        assert.ok(err, `${endpoint} was accepted`);
        assert.match(err.message, /^endpoint: .*not a public address/);
      }
      assert.equal((await latch.services.push.devices.get(device.deviceId))?.webPush, undefined);
    } finally {
      await latch.stop();
    }
  });

  it('an IP address or a URL in the list is a configuration error that names the key', () => {
    const file = writeConfig(scratchDir('latch-config-'), {
      push: { webPush: { allowedHosts: ['127.0.0.1', 'https://fcm.googleapis.com/'] } },
    });
    const err = (() => {
      try {
        loadConfig({ file, env: { LATCH_DATA_DIR: scratchDir('latch-data-') } });
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.problems, [
      'push.webPush.allowedHosts.0: expected a host name such as fcm.googleapis.com (a name and its subdomains), not an IP address or URL (got "127.0.0.1")',
      'push.webPush.allowedHosts.1: expected a host name such as fcm.googleapis.com (a name and its subdomains), not an IP address or URL (got "https://fcm.googleapis.com/")',
    ]);
  });
});

describe('sending Web Push to a stored endpoint', () => {
  let service: PushServiceStandIn;
  let push: Push;
  let close: () => Promise<void>;
  const logs: Array<Record<string, unknown>> = [];
  // What the stand-in's name resolves to right now (a rebinding DNS server changes its answer).
  let standInAddress = '93.184.215.14';

  before(async () => {
    service = await startPushService();
    const store = await openSqliteStore({ file: path.join(scratchDir('latch-web-push-'), 'store.sqlite') });
    const config = loadConfig({ env: { LATCH_DATA_DIR: scratchDir('latch-data-') } });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const log = createLogger('info', sink);
    const network = {
      resolve: async (host: string) =>
        host === STAND_IN_HOST ? [standInAddress] : testResolver(PUBLIC_ANSWERS).resolve(host),
    };
    push = await createPush({
      config: {
        ...config.push,
        webPush: {
          enabled: true,
          subject: 'mailto:latch@localhost',
          allowedHosts: ['fcm.googleapis.com', STAND_IN_HOST],
        },
      },
      store,
      authLog: new AuthLog(store, log),
      log,
      trustLifetimeMs: 60_000,
      serverSecret: Buffer.alloc(32, 1),
      webPushNetwork: network,
    });
    close = async () => {
      await push.close();
      await store.close();
    };
  });

  after(async () => {
    service?.close();
    await close?.();
  });

  async function pushTo(endpoint: string): Promise<void> {
    const keys = (await crypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
    const { device } = await push.devices.register({
      userId: `u-${logs.length}-${Date.now()}`,
      username: 'mallory',
      displayName: 'Mallory',
      publicKey: await publicJwkOf(keys.publicKey),
      name: 'phone',
      platform: 'web',
    });
    // Written directly, as an endpoint registered before registration checked it would be.
    await push.devices.setWebPush(device.id, subscription(endpoint));
    const sent = await push.requests.send((await push.devices.get(device.id))!, {
      txId: 'tx1',
      purpose: 'second-factor',
      app: 'Wiki',
      ip: '10.0.0.1',
      browser: 'Chrome',
      userVerificationRequired: false,
      withCode: true,
    });
    assert.ok(sent.ok);
  }

  const refusalLogged = (pattern: RegExp) =>
    logs.some(
      (l) => l.msg === 'Web Push not sent: the endpoint is not a public push service' && pattern.test(String(l.reason)),
    );

  it('an endpoint on loopback stored before the fix gets no connection, and the log says why', async () => {
    await pushTo(`https://127.0.0.1:${service.port}/wpush/stored-before`);
    assert.equal(await service.waitForMessages('/wpush/stored-before', 1500), 0, 'nothing reached the address inside');
    assert.ok(refusalLogged(/127\.0\.0\.1/), JSON.stringify(logs));
    assert.ok(!JSON.stringify(logs).includes('stored-before'), 'the endpoint path (a capability) is not logged');
  });

  it('DNS rebinding: a name that now resolves to loopback gets no connection', async () => {
    standInAddress = '127.0.0.1';
    await pushTo(`https://${STAND_IN_HOST}:${service.port}/wpush/rebound`);
    assert.equal(await service.waitForMessages('/wpush/rebound', 1500), 0, 'nothing reached the address inside');
    assert.ok(
      refusalLogged(new RegExp(`${STAND_IN_HOST.replaceAll('.', '\\.')} resolves to 127\\.0\\.0\\.1`)),
      JSON.stringify(logs),
    );
  });
});
