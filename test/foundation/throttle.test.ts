import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'mocha';
import { newUserId, writeUsersFile, type LocalUsers } from '../../src/directory/local-file.ts';
import { hashPassword } from '../../src/directory/password-hash.ts';
import { HttpClient, visibleText, type Page } from '../support/http-client.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { addUser, cleanEnv } from '../support/commands.ts';
import { scratchDir } from '../support/temp.ts';

// Failed-password throttling per account and per client address, the exemption of a browser known
// for the account, X-Forwarded-For believed only from configured proxies, and the attacks on the
// throttle itself: guesses posted in parallel, and one account typed in several spellings.

const PASSWORD = 'correct horse battery';
const THROTTLED = /Too many failed attempts\. Wait \d+ minutes? and try again\./;

async function latchWithAlice(config: Record<string, unknown>): Promise<InProcessLatch> {
  const dataDir = scratchDir('latch-data-');
  await addUser(cleanEnv({ LATCH_DATA_DIR: dataDir }), 'alice', { displayName: 'Alice Liddell', password: PASSWORD });
  return startTestLatch({ config: { signIn: { failureDelay: '10ms' }, ...config }, dataDir });
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
    behindProxy = await latchWithAlice({
      throttle: { perAccount: big, perIp: three },
      server: { trustedProxies: ['127.0.0.1'] },
    });
    started.push(behindProxy);
  });

  after(async () => {
    for (const latch of started) await latch.stop();
  });

  it('after 3 wrong passwords for alice, even the right one is refused and "throttled" is logged', async () => {
    for (let i = 0; i < 3; i++)
      assert.match(text(await attempt(perAccount, `wrong ${i}`)), /Incorrect username or password\./);
    const fourth = await attempt(perAccount, PASSWORD);
    assert.match(text(fourth), THROTTLED);
    assert.doesNotMatch(text(fourth), /Signed in as/);
    const throttled = await perAccount.services.authLog.query({ user: 'alice', result: 'throttled' });
    assert.equal(throttled.length, 1);
    assert.match(String(throttled[0]!.data.reason), /account/);
    assert.equal((await perAccount.services.authLog.query({ user: 'alice', result: 'failure' })).length, 3);
  });

  it('username and password posted together on the first page: the same throttle, and a name that does not exist reads the same', async () => {
    const three = { maxFailures: 3, window: '15m' };
    const latch = await latchWithAlice({
      throttle: { perAccount: three, perIp: { maxFailures: 1000, window: '15m' } },
    });
    started.push(latch);
    const onePage = async (username: string, password: string) => {
      const client = new HttpClient(latch.url);
      const first = await client.startSignIn();
      assert.match(first.text, /<label for="password">Password<\/label>/, 'the first page asks for the password too');
      const page = await client.submit(first, { username, password });
      assert.equal(client.statuses.filter((s) => s >= 500).length, 0);
      return text(page).replaceAll(username, 'NAME');
    };
    const wrongForAlice = await onePage('alice', 'wrong 0');
    assert.match(wrongForAlice, /Incorrect username or password\./);
    assert.equal(await onePage('nobody-here', 'wrong 0'), wrongForAlice, 'an unknown name gets the same page');
    for (let i = 1; i < 3; i++) assert.match(await onePage('alice', `wrong ${i}`), /Incorrect username or password\./);
    assert.match(await onePage('alice', PASSWORD), THROTTLED, 'the right password is refused once throttled');
  });

  it('a browser known for alice is not throttled; forged or foreign device cookies are', async () => {
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

  it('without trusted proxies, a spoofed X-Forwarded-For does not change the counted address', async () => {
    for (let i = 0; i < 3; i++) {
      assert.match(
        text(await attempt(perIp, `wrong ${i}`, { 'x-forwarded-for': `198.51.100.${i + 1}` })),
        /Incorrect username or password\./,
      );
    }
    const page = await attempt(perIp, PASSWORD, { 'x-forwarded-for': '198.51.100.77' });
    assert.match(text(page), THROTTLED);
    const events = await perIp.services.authLog.query({ user: 'alice' });
    assert.ok(events.length >= 4);
    for (const event of events) assert.equal(event.data.ip, '127.0.0.1', 'the auth log has the real peer address');
    const [throttled] = await perIp.services.authLog.query({ result: 'throttled' });
    assert.match(String(throttled?.data.reason), /client address/);
  });

  it('with 127.0.0.1 as a trusted proxy, X-Forwarded-For is the counted client address', async () => {
    const attacker = { 'x-forwarded-for': '203.0.113.7' };
    for (let i = 0; i < 3; i++)
      assert.match(text(await attempt(behindProxy, `wrong ${i}`, attacker)), /Incorrect username or password\./);
    assert.match(text(await attempt(behindProxy, PASSWORD, attacker)), THROTTLED);
    // Another client behind the same proxy is not affected.
    assert.match(
      text(await attempt(behindProxy, PASSWORD, { 'x-forwarded-for': '203.0.113.8' })),
      /Signed in as Alice Liddell/,
    );
    const failures = await behindProxy.services.authLog.query({ result: 'failure' });
    assert.deepEqual([...new Set(failures.map((e) => e.data.ip))], ['203.0.113.7']);
    const [success] = await behindProxy.services.authLog.query({ result: 'success' });
    assert.equal(success?.data.ip, '203.0.113.8');
  });
});

const INCORRECT = /Incorrect username or password\./;
const BY_ACCOUNT = /too many failed passwords for this account/;
const BY_ADDRESS = /too many failed passwords for this client address/;

/** A Latch whose local directory holds these users (name -> email), all with PASSWORD. */
async function latchWithUsers(users: Record<string, string | undefined>, config: Record<string, unknown>) {
  const dataDir = scratchDir('latch-data-');
  const password = await hashPassword(PASSWORD);
  const records: LocalUsers = {};
  for (const [name, email] of Object.entries(users)) {
    records[name] = { id: newUserId(), email, groups: [], password, disabled: false };
  }
  writeUsersFile(path.join(dataDir, 'users.yaml'), records);
  return startTestLatch({ config: { signIn: { failureDelay: '10ms' }, ...config }, dataDir });
}

/** A fresh browser on the password page for `login`, ready to post a password. */
async function atPasswordPage(latch: InProcessLatch, login: string): Promise<{ client: HttpClient; page: Page }> {
  const client = new HttpClient(latch.url);
  const page = await client.passwordPage(login);
  return { client, page };
}

/** Posts a wrong password (a different one each time) on a browser's password page. */
const wrongPassword = ({ client, page }: { client: HttpClient; page: Page }, i: number) =>
  client.submit(page, { password: `wrong ${i}` });

/** How many pages said each thing; `other` is any other page (e.g. the password page shown afresh). */
function tally(pages: Page[]): { incorrect: number; throttled: number; signedIn: number; other: number } {
  const counts = { incorrect: 0, throttled: 0, signedIn: 0, other: 0 };
  for (const page of pages) {
    const shown = text(page);
    if (INCORRECT.test(shown)) counts.incorrect++;
    else if (THROTTLED.test(shown)) counts.throttled++;
    else if (/Signed in as/.test(shown)) counts.signedIn++;
    else counts.other++;
  }
  return counts;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The password step's auth-log entries with this result. */
async function passwordEvents(latch: InProcessLatch, result: string) {
  return (await latch.services.authLog.query({ result })).filter((e) => e.data.event === 'password');
}

describe('password throttling under attack', () => {
  const started: InProcessLatch[] = [];
  // Default limits (10 per account), and a per-address limit out of the way.
  let races: InProcessLatch;
  // Default limits: 100 per address, 10 per account.
  let crowd: InProcessLatch;
  const crowdUsers = range(11).map((i) => `user${String(i).padStart(2, '0')}`);

  before(async () => {
    const perAccount = { maxFailures: 10, window: '15m' };
    races = await latchWithUsers(
      { alice: undefined, bob: undefined, carol: 'carol@example.test', zoë: 'zoe@example.test' },
      // The default failure delay: parallel posts of one sign-in all arrive while its first check runs.
      { signIn: { failureDelay: '250ms' }, throttle: { perAccount, perIp: { maxFailures: 1000, window: '15m' } } },
    );
    started.push(races);
    crowd = await latchWithUsers(Object.fromEntries(crowdUsers.map((u) => [u, undefined])), {
      throttle: { perAccount, perIp: { maxFailures: 100, window: '15m' } },
    });
    started.push(crowd);
  });

  after(async () => {
    for (const latch of started) await latch.stop();
  });

  it('40 wrong passwords in parallel, one sign-in each: 10 checked, 30 refused, then the right one too', async () => {
    const browsers = await Promise.all(range(40).map(() => atPasswordPage(races, 'alice')));
    const pages = await Promise.all(browsers.map(wrongPassword));
    assert.deepEqual(tally(pages), { incorrect: 10, throttled: 30, signedIn: 0, other: 0 });

    const right = await attempt(races, PASSWORD);
    assert.match(text(right), THROTTLED);
    assert.doesNotMatch(text(right), /Signed in as/);
    const failures = await races.services.authLog.query({ user: 'alice', result: 'failure' });
    assert.equal(failures.length, 10, 'ten passwords reached the directory');
    const throttled = await races.services.authLog.query({ user: 'alice', result: 'throttled' });
    assert.equal(throttled.length, 31);
    for (const event of throttled) assert.match(String(event.data.reason), BY_ACCOUNT);
  });

  it('one sign-in posted 40 times in parallel: its passwords are checked one at a time, 10 in all', async () => {
    const { client, page } = await atPasswordPage(races, 'bob');
    const pages = await Promise.all(range(40).map((i) => client.submit(page, { password: `wrong ${i}` })));
    for (const p of pages) assert.doesNotMatch(text(p), /Signed in as/);
    assert.equal(client.statuses.filter((s) => s >= 500).length, 0);

    const right = new HttpClient(races.url);
    assert.match(text(await right.signIn('bob', PASSWORD)), THROTTLED);
    const failures = await races.services.authLog.query({ user: 'bob', result: 'failure' });
    assert.equal(failures.length, 10, 'ten passwords reached the directory');
    const throttled = await races.services.authLog.query({ user: 'bob', result: 'throttled' });
    assert.ok(throttled.length > 1, 'posts after the tenth were refused');
    for (const event of throttled) assert.match(String(event.data.reason), BY_ACCOUNT);
  });

  it('carol, CAROL, " Carol ", her email in any case: one account, one counter', async () => {
    const spellings = ['carol', 'CAROL', ' Carol ', 'carol@example.test', 'Carol@Example.TEST'];
    for (let i = 0; i < 10; i++) {
      const { client, page } = await atPasswordPage(races, spellings[i % spellings.length]!);
      assert.match(text(await client.submit(page, { password: `wrong ${i}` })), INCORRECT, `attempt ${i + 1}`);
    }
    for (const login of ['carol@example.test', 'Carol']) {
      const { client, page } = await atPasswordPage(races, login);
      const shown = text(await client.submit(page, { password: PASSWORD }));
      assert.match(shown, THROTTLED, login);
      assert.doesNotMatch(shown, /Signed in as/, login);
    }
    const [last] = await passwordEvents(races, 'throttled');
    assert.match(String(last?.data.reason), BY_ACCOUNT);
    assert.equal(last?.data.user, 'Carol', 'the auth log names what was typed');
  });

  it('Unicode forms and case of a non-ASCII name share one counter too', async () => {
    const spellings = ['zoë', 'zoe\u0308', 'ZOË', 'ZOE\u0308', 'zoe@example.test'];
    for (let i = 0; i < 10; i++) {
      const { client, page } = await atPasswordPage(races, spellings[i % spellings.length]!);
      assert.match(text(await client.submit(page, { password: `wrong ${i}` })), INCORRECT, `attempt ${i + 1}`);
    }
    const { client, page } = await atPasswordPage(races, 'Zoë');
    assert.match(text(await client.submit(page, { password: PASSWORD })), THROTTLED);
  });

  it('guesses at names that do not exist are counted per name as typed, in any case', async () => {
    for (let i = 0; i < 10; i++) {
      const { client, page } = await atPasswordPage(races, i % 2 === 0 ? 'nobody' : 'NoBody');
      assert.match(text(await client.submit(page, { password: `wrong ${i}` })), INCORRECT, `attempt ${i + 1}`);
    }
    const { client, page } = await atPasswordPage(races, 'NOBODY');
    assert.match(text(await client.submit(page, { password: 'whatever' })), THROTTLED);
  });

  it('110 wrong passwords in parallel from one address over 11 accounts: 100 checked, then none', async () => {
    const browsers = await Promise.all(
      range(110).map((i) => atPasswordPage(crowd, crowdUsers[i % crowdUsers.length]!)),
    );
    const pages = await Promise.all(browsers.map(wrongPassword));
    assert.deepEqual(tally(pages), { incorrect: 100, throttled: 10, signedIn: 0, other: 0 });

    const { client, page } = await atPasswordPage(crowd, crowdUsers[0]!);
    const right = text(await client.submit(page, { password: PASSWORD }));
    assert.match(right, THROTTLED);
    assert.equal((await passwordEvents(crowd, 'failure')).length, 100, 'a hundred passwords reached the directory');
    const throttled = await passwordEvents(crowd, 'throttled');
    assert.equal(throttled.length, 11);
    for (const event of throttled) assert.match(String(event.data.reason), BY_ADDRESS);
  });
});
