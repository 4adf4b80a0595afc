import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HttpClient, visibleText, type Page } from '../support/http-client.ts';
import { startInProcess, type InProcessLatch } from '../support/latch-in-process.ts';
import { addUser, cleanEnv, tempDir } from '../support/latch-process.ts';

// Failed-password throttling per account and per client address, the exemption of a browser known
// for the account, and X-Forwarded-For believed only from configured proxies.

const PASSWORD = 'correct horse battery';
const THROTTLED = /Too many failed attempts\. Wait \d+ minutes? and try again\./;

async function latchWithAlice(config: Record<string, unknown>): Promise<InProcessLatch> {
  const dataDir = tempDir('latch-data-');
  await addUser(cleanEnv({ LATCH_DATA_DIR: dataDir }), 'alice', { displayName: 'Alice Liddell', password: PASSWORD });
  return startInProcess({ signIn: { failureDelay: '10ms' }, ...config }, dataDir);
}

/** A fresh browser that signs in as alice with this password; returns the page after "Sign in". */
async function attempt(latch: InProcessLatch, password: string, headers: Record<string, string> = {}): Promise<Page> {
  const client = new HttpClient(latch.url, headers);
  const page = await client.signIn('alice', password);
  assert.equal(client.statuses.filter((s) => s >= 500).length, 0);
  return page;
}

const text = (page: Page) => visibleText(page.text);

describe('password throttling', () => {
  const started: InProcessLatch[] = [];
  let perAccount: InProcessLatch;
  let perIp: InProcessLatch;
  let behindProxy: InProcessLatch;

  before(async () => {
    const big = { maxFailures: 1000, window: '15m' };
    const three = { maxFailures: 3, window: '15m' };
    perAccount = await latchWithAlice({ throttle: { perAccount: three, perIp: big } });
    started.push(perAccount);
    perIp = await latchWithAlice({ throttle: { perAccount: big, perIp: three }, server: { trustedProxies: [] } });
    started.push(perIp);
    behindProxy = await latchWithAlice({ throttle: { perAccount: big, perIp: three }, server: { trustedProxies: ['127.0.0.1'] } });
    started.push(behindProxy);
  });

  after(async () => {
    for (const latch of started) await latch.stop();
  });

  test('after 3 wrong passwords for alice, even the right one is refused and "throttled" is logged', async () => {
    for (let i = 0; i < 3; i++) assert.match(text(await attempt(perAccount, `wrong ${i}`)), /Incorrect username or password\./);
    const fourth = await attempt(perAccount, PASSWORD);
    assert.match(text(fourth), THROTTLED);
    assert.doesNotMatch(text(fourth), /Signed in as/);
    const throttled = await perAccount.services.authLog.query({ user: 'alice', result: 'throttled' });
    assert.equal(throttled.length, 1);
    assert.match(String(throttled[0]!.data.reason), /account/);
    assert.equal((await perAccount.services.authLog.query({ user: 'alice', result: 'failure' })).length, 3);
  });

  test('a browser known for alice is not throttled; forged or foreign device cookies are', async () => {
    // Continues from the previous test: alice's account is throttled here.
    const { knownDevices, directory } = perAccount.services;
    const alice = await directory.findUser('alice');
    assert.ok(alice);
    const known = knownDevices.issue();
    await knownDevices.markVerified(known.deviceId, alice);
    const unverified = knownDevices.issue();
    const forged = `${known.deviceId}.${'A'.repeat(43)}`;

    for (const cookie of [unverified.cookie, forged]) {
      assert.match(text(await attempt(perAccount, PASSWORD, { cookie: `latch_device=${cookie}` })), THROTTLED, cookie);
    }
    const page = await attempt(perAccount, PASSWORD, { cookie: `latch_device=${known.cookie}` });
    assert.match(text(page), /Signed in as Alice Liddell/);
  });

  test('without trusted proxies, a spoofed X-Forwarded-For does not change the counted address', async () => {
    for (let i = 0; i < 3; i++) {
      assert.match(text(await attempt(perIp, `wrong ${i}`, { 'x-forwarded-for': `198.51.100.${i + 1}` })), /Incorrect username or password\./);
    }
    const page = await attempt(perIp, PASSWORD, { 'x-forwarded-for': '198.51.100.77' });
    assert.match(text(page), THROTTLED);
    const events = await perIp.services.authLog.query({ user: 'alice' });
    assert.ok(events.length >= 4);
    for (const event of events) assert.equal(event.data.ip, '127.0.0.1', 'the auth log has the real peer address');
    const [throttled] = await perIp.services.authLog.query({ result: 'throttled' });
    assert.match(String(throttled?.data.reason), /client address/);
  });

  test('with 127.0.0.1 as a trusted proxy, X-Forwarded-For is the counted client address', async () => {
    const attacker = { 'x-forwarded-for': '203.0.113.7' };
    for (let i = 0; i < 3; i++) assert.match(text(await attempt(behindProxy, `wrong ${i}`, attacker)), /Incorrect username or password\./);
    assert.match(text(await attempt(behindProxy, PASSWORD, attacker)), THROTTLED);
    // Another client behind the same proxy is not affected.
    assert.match(text(await attempt(behindProxy, PASSWORD, { 'x-forwarded-for': '203.0.113.8' })), /Signed in as Alice Liddell/);
    const failures = await behindProxy.services.authLog.query({ result: 'failure' });
    assert.deepEqual([...new Set(failures.map((e) => e.data.ip))], ['203.0.113.7']);
    const [success] = await behindProxy.services.authLog.query({ result: 'success' });
    assert.equal(success?.data.ip, '203.0.113.8');
  });
});
