import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import { launchChromium, withContext, type Browser, type Page } from '../support/chromium.ts';
import { startTestLatch, type InProcessLatch, type TestUser } from '../support/latch.ts';
import {
  PASSWORD,
  chooseKeyEnrollment,
  enterPassword,
  enterUsername,
  heading,
  waitForHeading,
} from '../webauthn/browser-steps.ts';
import { addAuthenticator } from '../webauthn/virtual-authenticator.ts';

// The prompt in Chromium as a keyboard user and a browser see it: Enter submits the sign-in on
// every page (it once pressed "Not you?", the first button of the password page); and the prompt's
// script reports whether the device has a platform authenticator, so a policy that allows only
// passkeys on the device offers one only where one can be made.

const user = (username: string, groups: string[] = []): TestUser => ({
  username,
  id: `id-${username}`,
  password: PASSWORD,
  displayName: username,
  groups,
});

describe('the prompt in Chromium: the keyboard, and what the browser reports', () => {
  let latch: InProcessLatch;
  let chrome: Browser;

  before(async () => {
    latch = await startTestLatch({
      host: 'localhost',
      users: [user('alice'), user('bob'), user('carol', ['platform-only']), user('dave', ['platform-only'])],
      config: {
        policy: {
          default: { passwordless: [] },
          groups: [{ group: 'platform-only', newUser: 'require-enrollment', passwordless: ['platform'] }],
        },
      },
    });
    chrome = await launchChromium();
  });
  after(async () => {
    await chrome?.close();
    await latch?.stop();
  });

  /** Types into the field with the keyboard and presses Enter, as a person does. */
  async function typeAndEnter(page: Page, label: string, text: string): Promise<void> {
    await page.getByLabel(label, { exact: true }).focus();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(text);
    await page.keyboard.press('Enter');
  }

  it('Enter submits the username, the password and a code; "Not you?" still goes back', async () => {
    const [code] = await latch.services.passcodes.bypassCodes.generate('id-bob', {
      count: 1,
      uses: 1,
      lifetimeMs: 3_600_000,
    });
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await page.goto(`${latch.url}/account/sign-in`);
      await typeAndEnter(page, 'Username', 'alice');
      await waitForHeading(page, 'Enter your password');
      await page.getByRole('button', { name: 'Not you?' }).click();
      await waitForHeading(page, /^Sign in to /);

      await typeAndEnter(page, 'Username', 'bob');
      await waitForHeading(page, 'Enter your password');
      await typeAndEnter(page, 'Password', PASSWORD);
      await waitForHeading(page, 'Enter a bypass code');
      await typeAndEnter(page, 'Bypass code', code!);
      await waitForHeading(page, 'Signed in as bob');
    });
  });

  /** A security key plugged in, the username and password, then "Set up a security key or this device". */
  async function toKeyEnrollment(page: Page, username: string): Promise<Page> {
    await addAuthenticator(page, 'roaming');
    await page.goto(`${latch.url}/account/sign-in`);
    await enterUsername(page, username);
    await enterPassword(page);
    await chooseKeyEnrollment(page);
    return page;
  }

  it('platform-only policy: a browser with only a security key is not offered a passkey; one with a platform authenticator is', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await toKeyEnrollment(await context.newPage(), 'dave');
      await page.getByRole('button', { name: 'Continue' }).click();
      await waitForHeading(page, 'Signed in as dave');
    });
    await withContext(chrome, {}, async (context) => {
      const page = await toKeyEnrollment(await context.newPage(), 'carol');
      // This device has a platform authenticator when the page loads (the script reports it); it
      // leaves before the key is registered, since Chromium would ask both.
      const device = await addAuthenticator(page, 'platform');
      await page.reload();
      await waitForHeading(page, 'Set up a security key or this device');
      await device.remove();
      await page.getByRole('button', { name: 'Continue' }).click();
      await waitForHeading(page, 'Sign in faster next time');
      assert.equal(await heading(page), 'Sign in faster next time');
    });
  });
});
