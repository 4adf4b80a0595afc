import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import { HttpClient, type Page } from '../support/http-client.ts';
import { pageOptions } from '../support/soft-authenticator.ts';
import { PASSWORD } from './browser-steps.ts';
import { alert, enrollKeyAndPasskey, heading, signedIn } from './http-steps.ts';
import { startTestLatch, type InProcessLatch, type TestUser } from '../support/latch.ts';

// The page after the username must not tell anyone whether that account has passkeys, nor
// carry their credential ids: an attacker types names and compares pages. The page for an account
// with passkeys, one without and one that does not exist is the same, and so is what follows when
// "Use passkey" brings nothing or somebody else's passkey.

const user = (username: string): TestUser => ({ username, id: `id-${username}`, password: PASSWORD, groups: [] });
// alice and dave have passkeys (dave plays the attacker with his own); bob has none; nobody does not exist.
const USERS = [user('alice'), user('bob'), user('dave')];
const NOT_ACCEPTED = 'No passkey was accepted. Use another way to sign in.';

/** A page with what differs per request or per typed name replaced: CSRF token, transaction id, challenge, the name. */
function normalised(page: Page, username: string): string {
  return page.text
    .replace(/name="csrf" value="[^"]*"/g, 'name="csrf" value="CSRF"')
    .replace(/tx=[A-Za-z0-9_-]{43}/g, 'tx=TX')
    .replace(/(challenge&quot;:&quot;)[A-Za-z0-9_-]+/g, '$1CHALLENGE')
    .replaceAll(username, 'USERNAME');
}

describe('the passkey page does not tell which accounts have passkeys', () => {
  let latch: InProcessLatch;
  let alice: Awaited<ReturnType<typeof enrollKeyAndPasskey>>;
  let dave: Awaited<ReturnType<typeof enrollKeyAndPasskey>>;
  let credentialIds: string[];

  before(async () => {
    latch = await startTestLatch({
      host: 'localhost',
      users: USERS,
      config: { policy: { default: { newUser: 'require-enrollment' } } },
    });
    alice = await enrollKeyAndPasskey(latch.url, 'alice');
    dave = await enrollKeyAndPasskey(latch.url, 'dave');
    credentialIds = [...(await latch.credentialsOf('id-alice')), ...(await latch.credentialsOf('id-dave'))].map(
      (c) => c.id,
    );
    assert.equal(credentialIds.length, 4, 'a security key and a passkey each');
  });

  after(async () => {
    await latch?.stop();
  });

  async function pageAfterUsername(username: string): Promise<{ browser: HttpClient; page: Page }> {
    const browser = new HttpClient(latch.url);
    const page = await browser.submit(await browser.startSignIn(), { username });
    assert.equal(page.status, 200);
    return { browser, page };
  }

  it('with passkeys, without, and no such account: the same page, with no credential id in it', async () => {
    // Timing: the page is built without asking the directory or the credential store about the account.
    const { directory } = latch.services;
    const { credentials } = latch.services.webauthn.ceremonies;
    const [findUser, list] = [directory.findUser.bind(directory), credentials.list.bind(credentials)];
    const lookups: string[] = [];
    directory.findUser = (login) => (lookups.push(`findUser ${login}`), findUser(login));
    credentials.list = (userId) => (lookups.push(`credentials of ${userId}`), list(userId));
    const pages = new Map<string, Page>();
    try {
      for (const username of ['alice', 'bob', 'nobody']) pages.set(username, (await pageAfterUsername(username)).page);
    } finally {
      directory.findUser = findUser;
      credentials.list = list;
    }
    assert.deepEqual(lookups, [], 'nothing about the account was looked up before the user chose');
    for (const [username, page] of pages) {
      assert.equal(heading(page), 'Sign in with your passkey', username);
      for (const id of credentialIds)
        assert.ok(!page.text.includes(id), `${username}'s page carries credential id ${id}`);
      assert.deepEqual(
        pageOptions(page.text).allowCredentials ?? [],
        [],
        `${username}: a discoverable-credential request`,
      );
    }
    const alike = (username: string) => normalised(pages.get(username)!, username);
    assert.equal(alike('bob'), alike('alice'), 'an account without passkeys gets the same page');
    assert.equal(alike('nobody'), alike('alice'), 'an unknown username gets the same page');
  });

  it('"Use passkey" that brings nothing leads every account to the password with the same message', async () => {
    const next = new Map<string, string>();
    for (const username of ['alice', 'bob', 'nobody']) {
      const { browser, page } = await pageAfterUsername(username);
      const after = await browser.submit(page, { webauthn_error: 'NotAllowedError' });
      assert.equal(heading(after), 'Enter your password', username);
      assert.equal(alert(after), NOT_ACCEPTED, username);
      next.set(username, normalised(after, username));
    }
    assert.equal(next.get('bob'), next.get('alice'));
    assert.equal(next.get('nobody'), next.get('alice'));
  });

  it("dave's passkey on the page of alice, bob or nobody is refused the same way; the password follows", async () => {
    const counter = async () => (await latch.credentialsOf('id-dave')).find((c) => c.passwordless)!.counter;
    const next = new Map<string, string>();
    for (const username of ['alice', 'bob', 'nobody']) {
      const before = await counter();
      const { browser, page } = await pageAfterUsername(username);
      const after = await browser.submit(page, {
        webauthn_response: JSON.stringify(dave.device.assert(pageOptions(page.text))),
      });
      assert.equal(heading(after), 'Enter your password', username);
      assert.equal(alert(after), NOT_ACCEPTED, username);
      assert.equal(signedIn(browser), false, `${username}: no session`);
      assert.equal(await counter(), before, `${username}: dave's sign counter unchanged`);
      dave.device.credentials.find((c) => c.userHandle)!.counter = before;
      next.set(username, normalised(after, username));
    }
    assert.equal(next.get('bob'), next.get('alice'));
    assert.equal(next.get('nobody'), next.get('alice'));
    const reasons = (await latch.authReasons()).slice(0, 3).join('\n');
    assert.match(reasons, /credential belongs to another user \(id-dave\)/);
    assert.match(reasons, /no account named "nobody"/);
  });

  it("alice's own passkey signs her in from the same page; the password still works after a refused passkey", async () => {
    const { browser, page } = await pageAfterUsername('alice');
    const done = await browser.submit(page, {
      webauthn_response: JSON.stringify(alice.device.assert(pageOptions(page.text))),
    });
    assert.equal(heading(done), 'Signed in as alice');
    assert.match(done.text, /with passkey/);

    const second = await pageAfterUsername('bob');
    const passwordPage = await second.browser.submit(second.page, {
      webauthn_response: JSON.stringify(dave.device.assert(pageOptions(second.page.text))),
    });
    const next = await second.browser.submit(passwordPage, { password: PASSWORD });
    assert.notEqual(heading(next), 'Enter your password', alert(next));
    assert.doesNotMatch(next.text, /Incorrect username or password/);
  });
});
