import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import { TOTP, Secret } from 'otpauth';
import { activationUrl, API, decisionString, HEADERS, parseActivationUrl } from '../../src/methods/push/protocol.ts';
import {
  activate,
  DeviceClient,
  ECDSA_P256,
  LatchApiError,
  publicJwkOf,
  sign,
} from '../../src/authenticator/core/client.ts';
import { HttpClient, txOf } from '../support/http-client.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import path from 'node:path';
import { hashPassword } from '../../src/directory/password-hash.ts';
import { newUserId, writeUsersFile } from '../../src/directory/local-file.ts';
import { scratchDir } from '../support/temp.ts';
import { activationLink, PASSWORD, skipOffer } from './helpers.ts';

// The authenticator's API without a browser: what a forged, replayed or stale call gets, and that
// it changes nothing. The device here is the real client code (src/authenticator/core) with a
// WebCrypto key, as in the phone web app.

async function newDevice(base: string, link: string, name = 'api phone') {
  const keys = (await crypto.subtle.generateKey(ECDSA_P256, false, ['sign', 'verify'])) as CryptoKeyPair;
  const { token } = parseActivationUrl(link);
  const result = await activate(base, token, { publicKey: await publicJwkOf(keys.publicKey), name, platform: 'web' });
  return { result, keys, client: new DeviceClient(base, result.deviceId, keys.privateKey) };
}

async function refusal(promise: Promise<unknown>): Promise<LatchApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof LatchApiError, `expected a refusal, got ${String(err)}`);
  return err;
}

describe('push device API', () => {
  let latch: InProcessLatch;

  before(async () => {
    const dataDir = scratchDir('latch-data-');
    const hash = await hashPassword(PASSWORD);
    writeUsersFile(
      path.join(dataDir, 'users.yaml'),
      Object.fromEntries(
        ['alice', 'bob'].map((name) => [name, { id: newUserId(), groups: [], password: hash, disabled: false }]),
      ),
    );
    latch = await startTestLatch({
      config: { signIn: { failureDelay: '1ms' }, push: { sendLimit: { maxPushes: 3, window: '10m' } } },
      dataDir,
    });
  });

  after(async () => {
    await latch?.stop();
  });

  /** An activation link as the help desk issues one (a user who has a phone needs 2FA for it). */
  async function linkFor(username: string): Promise<string> {
    const user = (await latch.services.directory.findUser(username))!;
    return activationUrl(latch.url, (await latch.services.push.activations.issue(user, 'test')).token);
  }

  /** alice at the push page with a push sent; returns the browser and the request id. */
  async function pushFor(username: string) {
    const browser = new HttpClient(latch.url);
    const pw = await browser.passwordPage(username);
    const pushPage = await browser.submit(pw, { password: PASSWORD });
    const sent = await browser.submit(pushPage, { push: 'send' });
    const code = /aria-label="Verification code">(\d+)</.exec(sent.text)?.[1];
    assert.ok(code, sent.text);
    const tx = await latch.services.transactions.load(txOf(sent.path));
    return { browser, page: sent, code, requestId: (tx!.tx.stepData as { requestId: string }).requestId };
  }

  it('activation: a used link and a bad key are refused; a bad key does not use up the link', async () => {
    const link = await activationLink(latch.url, 'bob');
    const { token } = parseActivationUrl(link);
    const badKey = { kty: 'EC' as const, crv: 'P-256' as const, x: 'A'.repeat(43), y: 'A'.repeat(43) };
    const bad = await refusal(activate(latch.url, token, { publicKey: badKey, name: 'x', platform: 'web' }));
    assert.equal(bad.message, 'The authenticator sent a key Latch cannot use.');
    assert.equal(
      await latch.services.push.devices.forUser((await latch.services.directory.findUser('bob'))!.id),
      undefined,
    );
    const device = await newDevice(latch.url, link, 'bob phone');
    assert.equal(device.result.user, 'bob');
    const again = await refusal(newDevice(latch.url, link));
    assert.equal(again.status, 404);
    assert.match(again.message, /already used or has expired/);
  });

  it('a wrong method gets a JSON error an app can show, with the methods it accepts', async () => {
    // Found by fuzzing (test/fuzz/device-api.test.ts): the router answered a bare "Method Not Allowed" text.
    const res = await fetch(`${latch.url}${API.activate}`, { method: 'GET', headers: { accept: 'application/json' } });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST');
    const body = (await res.json()) as { error: string; error_description: string };
    assert.equal(body.error, 'method_not_allowed');
    assert.match(body.error_description, /accepts POST/);
  });

  it('a signed call sent twice, a stale timestamp, a wrong signature and no signature are refused', async () => {
    const { client } = await newDevice(latch.url, await linkFor('alice'));
    const headers = await client.signedHeaders('GET', API.requests, '');
    const first = await fetch(`${latch.url}${API.requests}`, { headers: { accept: 'application/json', ...headers } });
    assert.equal(first.status, 200);
    const replay = await fetch(`${latch.url}${API.requests}`, { headers: { accept: 'application/json', ...headers } });
    assert.equal(replay.status, 401);
    assert.equal(
      (await replay.json()).error_description,
      'The request was not signed correctly by this authenticator.',
    );

    const stale = {
      ...(await client.signedHeaders('GET', API.requests, '')),
      [HEADERS.timestamp]: String(Date.now() - 10 * 60_000),
    };
    assert.equal((await fetch(`${latch.url}${API.requests}`, { headers: stale })).status, 401);
    const otherPath = await client.signedHeaders('GET', API.webPush, '');
    assert.equal((await fetch(`${latch.url}${API.requests}`, { headers: otherPath })).status, 401);
    const unsigned = await fetch(`${latch.url}${API.requests}`, { headers: { accept: 'application/json' } });
    assert.equal(unsigned.status, 401);
  });

  it('a decision signed by another key is refused and the push stays pending; then the right one works once', async () => {
    const alice = await newDevice(latch.url, await linkFor('alice'));
    const { code, requestId, browser, page } = await pushFor('alice');
    // The call is alice's device, but the decision inside is signed by a key that is not hers.
    const stranger = (await crypto.subtle.generateKey(ECDSA_P256, false, ['sign', 'verify'])) as CryptoKeyPair;
    const forged = await sign(stranger.privateKey, decisionString(requestId, 'approve', code, true));
    const err = await refusal(
      alice.client.call('POST', API.decision(requestId), {
        answer: 'approve',
        code,
        userVerified: true,
        signature: forged,
      }),
    );
    assert.equal(err.message, 'The decision was not signed by this device.');
    assert.equal((await latch.services.push.requests.get(requestId))?.state, 'pending');
    const continued = await browser.submit(page, { push: 'continue' });
    assert.match(continued.text, /Not approved yet/);

    assert.equal((await alice.client.decide(requestId, 'approve', code, false)).state, 'approved');
    const replay = await refusal(alice.client.decide(requestId, 'approve', code, false));
    assert.equal(replay.status, 409);
    const done = await skipOffer(browser, await browser.submit(continued, { push: 'continue' }));
    assert.equal(done.path, '/');
    assert.match(done.text, /Signed in as alice/);
  });

  it('the wait endpoint answers only the browser that owns the sign-in', async () => {
    await newDevice(latch.url, await linkFor('alice'));
    const { page } = await pushFor('alice');
    const stranger = new HttpClient(latch.url);
    const res = await stranger.request(`/login/push-wait?tx=${txOf(page.path)}`, {
      headers: { accept: 'application/json' },
    });
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error, 'unknown_transaction');
  });

  it('more pushes than the send limit are refused ("push bombing"), and none reaches the phone', async () => {
    const bobId = (await latch.services.directory.findUser('bob'))!.id;
    const device = (await latch.services.push.devices.forUser(bobId))!;
    const browser = new HttpClient(latch.url);
    const pw = await browser.passwordPage('bob');
    let page = await browser.submit(pw, { password: PASSWORD });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      page = await browser.submit(page, { push: 'send' });
      ids.push((await latch.services.push.requests.pendingFor(device.id))!.id);
    }
    page = await browser.submit(page, { push: 'send' });
    assert.match(
      page.text,
      /Too many pushes were sent to your phone\. Wait 10 minutes or choose another way to sign in\./,
    );
    assert.equal(
      (await latch.services.push.requests.pendingFor(device.id))?.id,
      ids[2],
      'the last allowed push is still the one pending',
    );
  });

  it("passcodes from the authenticator: right code once, not twice, not another user's", async () => {
    const { result } = await newDevice(latch.url, await linkFor('alice'));
    const userId = (await latch.services.directory.findUser('alice'))!.id;
    const bobId = (await latch.services.directory.findUser('bob'))!.id;
    const code = new TOTP({ secret: Secret.fromBase32(result.totpSecret), digits: 6, period: 30 }).generate();
    const devices = latch.services.push.devices;
    assert.equal(await devices.verifyPasscode(bobId, code), false);
    assert.equal(await devices.verifyPasscode(userId, code), true);
    assert.equal(await devices.verifyPasscode(userId, code), false, 'a passcode is single use');
    assert.equal(await devices.verifyPasscode(userId, '12345'), false);
  });
});
