import assert from 'node:assert/strict';
import fc from 'fast-check';
import { after, before, describe, it } from 'mocha';
import { activate, DeviceClient, ECDSA_P256, publicJwkOf } from '../../src/authenticator/core/client.ts';
import { activationUrl, API, HEADERS, parseActivationUrl } from '../../src/methods/push/protocol.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { fuzz } from './budget.ts';

// Property-based fuzzing of the Latch Authenticator's API (src/idp/device-api/): forged headers,
// and bodies of any shape, also correctly signed by an activated device. Every answer is a 4xx
// with a JSON error an app can act on, never a 5xx, and the device keeps working.

const PATHS = [
  API.activate,
  API.requests,
  API.decision('req1'),
  '/push/api/requests/%00/decision',
  API.webPush,
  API.passcodeSecret,
  '/push/api/web-push-key',
];
const headerValue = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,90}$/),
  fc.constantFrom(String(Date.now()), '0', '-1', '9'.repeat(30)),
);
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        answer: fc.constantFrom('approve', 'deny', 'fraud', 'x'),
        code: fc.string({ maxLength: 14 }),
        userVerified: fc.oneof(fc.boolean(), fc.string()),
        signature: fc.string({ maxLength: 120 }),
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        token: fc.string({ maxLength: 120 }),
        publicKey: fc.jsonValue({ maxDepth: 2 }),
        name: fc.string({ maxLength: 80 }),
        platform: fc.string({ maxLength: 40 }),
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
);

describe('fuzzing the push device API', function () {
  this.timeout(120_000);
  let latch: InProcessLatch;
  let device: DeviceClient;

  before(async () => {
    latch = await startTestLatch({ users: [{ username: 'alice', password: 'fuzz-password-1' }] });
    const user = (await latch.services.directory.findUser('alice'))!;
    const { token } = parseActivationUrl(
      activationUrl(latch.url, (await latch.services.push.activations.issue(user, 'test')).token),
    );
    const keys = (await crypto.subtle.generateKey(ECDSA_P256, false, ['sign', 'verify'])) as CryptoKeyPair;
    const result = await activate(latch.url, token, {
      publicKey: await publicJwkOf(keys.publicKey),
      name: 'fuzz phone',
      platform: 'cli',
    });
    device = new DeviceClient(latch.url, result.deviceId, keys.privateKey);
  });

  after(async () => {
    await latch?.stop();
  });

  async function assertRefusedClearly(res: Response): Promise<void> {
    const text = await res.text();
    assert.ok(res.status < 500, `${res.status}: ${text.slice(0, 200)}`);
    if (res.status >= 400)
      assert.match(text, /"error"|"message"|<h1>/, `an error an app can show: ${text.slice(0, 200)}`);
    assert.doesNotMatch(text, /\bat .*\.(ts|js):\d+/, 'no stack trace');
  }

  it('forged or missing signatures and bodies of any shape get a clear 4xx', async () => {
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH');
    const headers = fc.dictionary(fc.constantFrom(...Object.values(HEADERS)), headerValue);
    await fuzz(
      fc.asyncProperty(method, fc.constantFrom(...PATHS), headers, body, async (method, path, headers, text) => {
        const res = await fetch(`${latch.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
          ...(method === 'GET' ? {} : { body: text }),
        });
        await assertRefusedClearly(res);
      }),
      30,
    );
  });

  it('correctly signed requests with bodies of any shape are refused by their content, and the device still works', async () => {
    await fuzz(
      fc.asyncProperty(fc.constantFrom(API.decision('req1'), API.webPush, API.requests), body, async (path, text) => {
        const method = path === API.requests ? 'GET' : 'POST';
        const signed = await device.signedHeaders(method, path, method === 'GET' ? '' : text);
        const res = await fetch(`${latch.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json', accept: 'application/json', ...signed },
          ...(method === 'GET' ? {} : { body: text }),
        });
        await assertRefusedClearly(res);
      }),
      30,
    );
    const pending = await device.pending();
    assert.ok(pending !== undefined, 'the device is still activated and answered');
  });
});
