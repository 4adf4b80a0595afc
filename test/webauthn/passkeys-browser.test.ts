import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import { launchChromium, withContext, type Browser } from '../support/chromium.ts';
import { startRpServer, type RpServer } from '../support/rp-server.ts';
import { SECRET, authorizationRequest, client, exchange, landedAt, rpConfig } from '../oidc/helpers.ts';
import {
  PASSWORD,
  alertText,
  answerRememberBrowser,
  chooseKeyEnrollment,
  enrollKeyThenPasskey,
  enterPassword,
  enterUsername,
  heading,
  signOut,
  waitForHeading,
} from './browser-steps.ts';
import { startTestLatch, type InProcessLatch, type TestUser } from '../support/latch.ts';
import { addAuthenticator } from './virtual-authenticator.ts';

// A person in real Chromium with virtual authenticators (CTAP2; "internal" with user verification
// and resident keys for this device, "usb" for a security key): enroll, sign in with one gesture
// by username or from autofill, skip the offer, fall back to the password, policy that allows only
// platform authenticators, remembered devices, and what an OIDC application receives.

const user = (username: string, groups: string[] = []): TestUser => ({
  username,
  id: `id-${username}`,
  password: PASSWORD,
  displayName: username,
  groups,
});
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'kim'].map((name) =>
  user(name, name === 'carol' ? ['platform-only'] : name === 'erin' ? ['remember-everywhere'] : []),
);

describe('passkeys and security keys in Chromium', () => {
  let latch: InProcessLatch;
  let chrome: Browser;
  let rp: RpServer;
  let wiki: client.Configuration;

  before(async () => {
    rp = await startRpServer();
    latch = await startTestLatch({
      host: 'localhost',
      users: USERS,
      config: {
        policy: {
          default: {
            newUser: 'require-enrollment',
            rememberDevice: { enabled: true, lifetime: '30d', scope: 'application' },
          },
          groups: [
            { group: 'platform-only', passwordless: ['platform'] },
            { group: 'remember-everywhere', rememberDevice: { scope: 'all' } },
          ],
        },
        oidc: {
          clients: [
            { client_id: 'wiki', client_name: 'Team wiki', client_secret: SECRET, redirect_uris: [`${rp.origin}/cb`] },
          ],
        },
      },
    });
    chrome = await launchChromium();
    wiki = await rpConfig(latch.url, 'wiki', client.ClientSecretBasic(SECRET));
  });

  after(async () => {
    await chrome?.close();
    await latch?.stop();
    await rp?.stop();
  });

  it('a new user enrolls a security key after the password, then registers a passkey on this device', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      const { device } = await enrollKeyThenPasskey(page, latch.url, 'alice');
      const stored = await latch.credentialsOf('id-alice');
      assert.deepEqual(
        stored.map((c) => [c.kind, c.name, c.passwordless]),
        [
          ['roaming', 'Security key', false],
          ['platform', 'Chrome on Linux', true],
        ],
      );
      const [held] = await device.credentials();
      assert.equal(held?.isResidentCredential, true, 'the passkey is discoverable');
      assert.notEqual(
        Buffer.from(held!.userHandle!, 'base64').toString(),
        'alice',
        'the user handle is not the username',
      );

      await page.getByRole('link', { name: 'Passkeys and security keys' }).click();
      await page.getByText('Chrome on Linux').first().waitFor();
      assert.match(
        (await page.locator('main').textContent()) ?? '',
        /This device \(platform\), passkey[\s\S]*Security key \(roaming\)|Security key \(roaming\)[\s\S]*This device \(platform\), passkey/,
      );
    });
  });

  it('sign in with a passkey after typing the username: one gesture, no password, no second factor', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      const { device } = await enrollKeyThenPasskey(page, latch.url, 'bob');
      await signOut(page, latch.url);
      // Chromium's virtual authenticator answers autofill at once; hold it so the username is typed.
      await device.setPresence(false);
      await page.goto(`${latch.url}/account/sign-in`);
      await enterUsername(page, 'bob');
      await waitForHeading(page, 'Sign in with your passkey');
      await device.setPresence(true);
      await page.getByRole('button', { name: 'Use passkey' }).click();
      await answerRememberBrowser(page, 'No');
      await waitForHeading(page, 'Signed in as bob');
      assert.match((await page.locator('main').textContent()) ?? '', /with passkey/);
      const [held] = await device.credentials();
      const stored = (await latch.credentialsOf('id-bob')).find((c) => c.passwordless)!;
      assert.equal(stored.counter, held!.signCount, 'the stored sign counter follows the authenticator');
      assert.ok(stored.lastUsedAt);
    });
  });

  it("the passkey page of an account without passkeys looks the same; another account's passkey is refused there", async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      const { device } = await enrollKeyThenPasskey(page, latch.url, 'kim');
      await signOut(page, latch.url);
      await device.setPresence(false);
      await page.goto(`${latch.url}/account/sign-in`);
      await enterUsername(page, 'judy');
      await waitForHeading(page, 'Sign in with your passkey');
      await device.setPresence(true);
      // The browser offers the passkeys it holds for Latch: here only kim's.
      await page.getByRole('button', { name: 'Use passkey' }).click();
      await waitForHeading(page, 'Enter your password');
      assert.equal(await alertText(page), 'No passkey was accepted. Use another way to sign in.');
      assert.match((await latch.authReasons())[0]!, /credential belongs to another user \(id-kim\)/);
      assert.equal((await latch.credentialsOf('id-judy')).length, 0);

      // The password still signs judy in (her first sign-in: she sets up a second factor next).
      await enterPassword(page);
      await waitForHeading(page, 'Set up an authenticator app');
    });
  });

  it('sign in by picking a passkey from autofill, without typing anything', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await enrollKeyThenPasskey(page, latch.url, 'grace');
      await signOut(page, latch.url);
      // Headless Chromium's virtual authenticator resolves conditional mediation as soon as the
      // page asks (there is no autofill UI to click): the username field is never filled.
      await page.goto(`${latch.url}/account/sign-in`);
      await answerRememberBrowser(page, 'No');
      await waitForHeading(page, 'Signed in as grace');
      assert.match((await page.locator('main').textContent()) ?? '', /with passkey/);
      const log = await latch.services.authLog.query({ limit: 1 });
      assert.match(String(log[0]?.data.reason), /signed in with webauthn-passwordless \(passwordless\)/);
    });
  });

  it('"Skip for now" hides the offer in this browser for a week, and another browser is offered it again', async () => {
    const key = await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      const key = await addAuthenticator(page, 'roaming');
      await page.goto(`${latch.url}/account/sign-in`);
      await enterUsername(page, 'frank');
      await enterPassword(page);
      await chooseKeyEnrollment(page);
      await page.getByRole('button', { name: 'Continue' }).click();
      await waitForHeading(page, 'Sign in faster next time');
      await page.getByRole('button', { name: 'Skip for now' }).click();
      await waitForHeading(page, 'Signed in as frank');

      await signOut(page, latch.url);
      await page.goto(`${latch.url}/account/sign-in`);
      await enterUsername(page, 'frank');
      await enterPassword(page);
      await waitForHeading(page, 'Use your security key or this device');
      await page.getByRole('button', { name: 'Continue' }).click();
      await waitForHeading(page, 'Signed in as frank');
      return (await key.credentials())[0]!;
    });
    assert.equal(
      (await latch.credentialsOf('id-frank')).filter((c) => c.passwordless).length,
      0,
      'no passkey was registered',
    );

    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      const same = await addAuthenticator(page, 'roaming');
      await same.cdp.send('WebAuthn.addCredential', {
        authenticatorId: same.id,
        credential: { ...key, isResidentCredential: false } as never,
      });
      await page.goto(`${latch.url}/account/sign-in`);
      await enterUsername(page, 'frank');
      await enterPassword(page);
      await page.getByRole('button', { name: 'Continue' }).click();
      await waitForHeading(page, 'Sign in faster next time');
    });
  });

  it('"Use your password instead" on the passkey page falls back to the password and a second factor', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      const { device } = await enrollKeyThenPasskey(page, latch.url, 'heidi');
      await signOut(page, latch.url);
      await device.setPresence(false);
      await page.goto(`${latch.url}/account/sign-in`);
      await enterUsername(page, 'heidi');
      await waitForHeading(page, 'Sign in with your passkey');
      await page.getByRole('button', { name: 'Use your password instead' }).click();
      await enterPassword(page);
      await waitForHeading(page, 'Use your security key or this device');
      await device.setPresence(true);
      await page.getByRole('button', { name: 'Continue' }).click();
      await waitForHeading(page, 'Signed in as heidi');
      assert.match((await page.locator('main').textContent()) ?? '', /with password and security key or this device/);
    });
  });

  it('platform-only policy: a security-key passkey, in a browser without a platform authenticator, brings no offer and is ignored at sign-in (password + key instead)', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      // A security key with a PIN: enrolling it as the second factor makes a (roaming) passkey.
      const key = await addAuthenticator(page, 'roaming-passkey');
      await page.goto(`${latch.url}/account/sign-in`);
      await enterUsername(page, 'carol');
      await enterPassword(page);
      await chooseKeyEnrollment(page);
      await page.getByRole('button', { name: 'Continue' }).click();
      // The roaming passkey does not count, and this browser has no platform authenticator to make
      // one on: carol is not offered a passkey (test/foundation/prompt-keyboard.test.ts has one that is).
      await waitForHeading(page, 'Signed in as carol');
      const [stored] = await latch.credentialsOf('id-carol');
      assert.deepEqual([stored?.kind, stored?.passwordless], ['roaming', true]);
      await signOut(page, latch.url);

      // The passkey page looks the same for everyone; carol's roaming passkey is refused there by
      // her group's policy, then the password and the key as second factor.
      await page.goto(`${latch.url}/account/sign-in`);
      await enterUsername(page, 'carol');
      await waitForHeading(page, 'Sign in with your passkey');
      await page.getByRole('button', { name: 'Use passkey' }).click();
      await waitForHeading(page, 'Enter your password');
      assert.equal(await alertText(page), 'No passkey was accepted. Use another way to sign in.');
      assert.match((await latch.authReasons())[0]!, /policy for carol does not allow roaming passwordless sign-in/);
      await enterPassword(page);
      await waitForHeading(page, 'Use your security key or this device');
      await page.getByRole('button', { name: 'Continue' }).click();
      await waitForHeading(page, 'Signed in as carol');
      assert.match((await page.locator('main').textContent()) ?? '', /with password and security key or this device/);
      assert.ok((await key.credentials()).length === 1);
    });
  });

  it('remembered device for one application: the account skips the second factor, the wiki still asks', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      const key = await addAuthenticator(page, 'roaming');
      await firstSignInRemembering(page, 'dave');
      await signOut(page, latch.url);
      await page.goto(`${latch.url}/account/sign-in`);
      await enterUsername(page, 'dave');
      await enterPassword(page);
      await waitForHeading(page, 'Signed in as dave');
      await signOut(page, latch.url);

      const pending = await authorizationRequest(wiki, { redirect_uri: `${rp.origin}/cb` });
      await page.goto(pending.url.href);
      await enterUsername(page, 'dave');
      await enterPassword(page);
      await waitForHeading(page, 'Use your security key or this device');
      await page.getByRole('button', { name: 'Continue' }).click();
      const tokens = await exchange(wiki, pending, await landedAt(page, rp.origin));
      assert.deepEqual(tokens.claims()!.amr, ['pwd', 'hwk', 'mfa']);
      assert.equal(tokens.claims()!.acr, 'mfa');
      assert.equal((await key.credentials()).length, 1);
    });
  });

  it('remembered device for all applications: after confirming for the account, the wiki does not ask either', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await addAuthenticator(page, 'roaming');
      await firstSignInRemembering(page, 'erin');
      await signOut(page, latch.url);
      const pending = await authorizationRequest(wiki, { redirect_uri: `${rp.origin}/cb` });
      await page.goto(pending.url.href);
      await enterUsername(page, 'erin');
      await enterPassword(page);
      const tokens = await exchange(wiki, pending, await landedAt(page, rp.origin));
      assert.deepEqual(tokens.claims()!.amr, ['pwd', 'mfa']);
      assert.equal(tokens.claims()!.acr, 'mfa');
    });
  });

  it('a passkey sign-in reaches the OIDC application as amr swk + user + mfa, acr passwordless', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await enrollKeyThenPasskey(page, latch.url, 'ivan');
      await signOut(page, latch.url);
      const pending = await authorizationRequest(wiki, { redirect_uri: `${rp.origin}/cb` });
      await page.goto(pending.url.href);
      // The passkey from autofill, then "Remember this browser?" (policy remembers browsers): back to the wiki.
      await answerRememberBrowser(page, 'Yes, this is my device');
      const tokens = await exchange(wiki, pending, await landedAt(page, rp.origin));
      const claims = tokens.claims()!;
      assert.equal(claims.sub, 'id-ivan');
      assert.deepEqual(claims.amr, ['swk', 'user', 'mfa']);
      assert.equal(claims.acr, 'passwordless');
    });
  });

  async function firstSignInRemembering(page: import('playwright-core').Page, username: string): Promise<void> {
    await page.goto(`${latch.url}/account/sign-in`);
    await enterUsername(page, username);
    await enterPassword(page);
    await chooseKeyEnrollment(page);
    await page.getByLabel(/Yes, this is my device/).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await waitForHeading(page, 'Sign in faster next time');
    await page.getByRole('button', { name: 'Skip for now' }).click();
    await waitForHeading(page, `Signed in as ${username}`);
    assert.equal(await heading(page), `Signed in as ${username}`);
  }
});
