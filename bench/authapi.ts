// The Auth API under load, against `latch serve` from dist/ (npm run build first):
//   (a) preauth + auth with a TOTP passcode, 8 signed clients at once, each round trip a different
//       user (each code works once); per second, per Latch CPU-second, p50/p99 of the round trip
//   (b) push round trip: a synchronous auth with factor=push, the phone (the Latch Authenticator's
//       own client code, long-polling) approves, the answer comes back; p50/p99
//
//   node --import tsx bench/authapi.ts [--round-trips 400] [--concurrency 8] [--pushes 40]
//
// Requests are signed as duo_client signs them (v2, HMAC-SHA512, form body), over plain HTTP on
// loopback, so the figures are Latch's work, not TLS's.
import { createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';
import { activate, DeviceClient, ECDSA_P256, publicJwkOf } from '../src/authenticator/core/client.ts';
import { openIntegrations } from '../src/idp/authapi/index.ts';
import { canonicalRequest, rfc3986 } from '../src/idp/authapi/signature.ts';
import { loadServerSecret } from '../src/keys/server-secret.ts';
import { createPasscodes } from '../src/methods/passcodes/passcodes.ts';
import { codeAt, newSecret, timeStep } from '../src/methods/passcodes/otp.ts';
import { parseActivationUrl } from '../src/methods/push/protocol.ts';
import { createLogger } from '../src/ops/logger.ts';
import { openStore } from '../src/store/index.ts';
import { runLatch } from '../test/support/commands.ts';
import { startTestLatch } from '../test/support/latch.ts';
import { measure, report } from './support/measure.ts';

const { values: args } = parseArgs({
  options: {
    'round-trips': { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '8' },
    pushes: { type: 'string', default: '40' },
  },
});
const roundTrips = Number(args['round-trips']);
const concurrency = Number(args.concurrency);
const pushes = Number(args.pushes);

const names = Array.from({ length: roundTrips }, (_, i) => `user${i}`);
const latch = await startTestLatch({
  run: 'process',
  users: [...names, 'phoneuser'].map((username) => ({ username, password: 'bench password' })),
  config: {
    log: { level: 'warn' },
    push: { sendLimit: { maxPushes: 100_000, window: '10m' } },
    passcodes: { throttle: { maxFailures: 5, window: '15m' } },
  },
});

/** Integration, apps and the phone, made in the store the server uses, as the CLI makes them. */
async function prepare() {
  const store = await openStore(latch.config.store, createLogger('silent'));
  const secret = await loadServerSecret(store);
  const integration = await openIntegrations(store, secret).add({ name: 'bench', type: 'auth-api' });
  const passcodes = createPasscodes(store, secret, latch.config.passcodes);
  const apps = new Map<string, string>();
  for (const name of names) {
    const app = newSecret();
    await passcodes.credentials.addApp(`id-${name}`, `app-${name}`, app, timeStep(Date.now(), 30) - 5);
    apps.set(name, app);
  }
  await store.close();
  return { integration, apps };
}

const { integration, apps } = await prepare();
const host = new URL(latch.url).host;

/** One signed Auth API call, as duo_client makes it. */
async function call(
  method: 'GET' | 'POST',
  path: string,
  params: Record<string, string>,
): Promise<{ result?: string; txid?: string }> {
  const date = new Date().toUTCString();
  const pairs = Object.entries(params);
  const canonical = canonicalRequest({ date, method, hosts: [host], path, params: pairs, duoHeaders: [] }, host, 'v2');
  const signature = createHmac('sha512', integration.secret).update(canonical).digest('hex');
  const query = pairs.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
  const headers: Record<string, string> = {
    authorization: `Basic ${Buffer.from(`${integration.ikey}:${signature}`).toString('base64')}`,
    date,
  };
  if (method === 'POST') headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(`${latch.url}${path}${method === 'GET' && query ? `?${query}` : ''}`, {
    method,
    headers,
    body: method === 'POST' ? query : undefined,
  });
  const body = (await res.json()) as { stat: string; response: { result?: string; txid?: string }; message?: string };
  if (body.stat !== 'OK') throw new Error(`${path}: ${res.status} ${body.message}`);
  return body.response;
}

let next = 0;
async function preauthAndPasscode(): Promise<void> {
  const name = names[next++]!;
  const pre = await call('POST', '/auth/v2/preauth', { username: name });
  if (pre.result !== 'auth') throw new Error(`preauth of ${name}: ${pre.result}`);
  const code = codeAt({ secret: apps.get(name)!, algorithm: 'SHA1', digits: 6 }, timeStep(Date.now(), 30));
  const auth = await call('POST', '/auth/v2/auth', { username: name, factor: 'passcode', passcode: code });
  if (auth.result !== 'allow') throw new Error(`auth of ${name}: ${auth.result}`);
}

async function phone(): Promise<DeviceClient> {
  const link = await runLatch(['push', 'enroll-link', 'phoneuser'], { env: latch.env });
  const keys = (await crypto.subtle.generateKey(ECDSA_P256, false, ['sign', 'verify'])) as CryptoKeyPair;
  const { token } = parseActivationUrl(link.stdout.split('\n')[0]!);
  const result = await activate(latch.url, token, {
    publicKey: await publicJwkOf(keys.publicKey),
    name: 'bench phone',
    platform: 'cli',
  });
  return new DeviceClient(latch.url, result.deviceId, keys.privateKey);
}

async function pushRoundTrip(device: DeviceClient, i: number): Promise<void> {
  const approve = (async () => {
    const { pending } = await device.pending(10);
    await device.decide(pending[0]!.id, 'approve', '', false);
  })();
  const auth = await call('POST', '/auth/v2/auth', {
    username: 'phoneuser',
    factor: 'push',
    device: 'auto',
    ipaddr: `10.0.${i >> 8}.${i & 255}`,
  });
  await approve;
  if (auth.result !== 'allow') throw new Error(`push auth: ${auth.result}`);
}

try {
  const a = await measure(
    `preauth + passcode, ${concurrency} clients`,
    latch.pid,
    roundTrips,
    concurrency,
    preauthAndPasscode,
  );
  const device = await phone();
  let i = 0;
  const b = await measure('push: auth → approve → allow', latch.pid, pushes, 1, () => pushRoundTrip(device, i++));
  report('Auth API round trips (latch serve, SQLite, loopback HTTP)', 'round trip', [a, b]);
} finally {
  await latch.stop();
}
