import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { after, before, describe, it } from 'mocha';
import {
  launchChromium,
  nextUnlessOnePage,
  toPasswordField,
  withContext,
  type Browser,
  type BrowserContext,
  type Page,
} from '../support/chromium.ts';
import { HttpClient } from '../support/http-client.ts';
import { addUser } from '../support/commands.ts';
import { startTestLatch, type LatchProcess } from '../support/latch.ts';
import { activationLink, CliPhone, PASSWORD, passwordThenPush, sendPush, signedInAs } from './helpers.ts';

// Passwordless push: only from a browser that completed password + second factor for the user
// (known-device cookie); the first passwordless push from it is verified (code), then the user
// may trust the browser and later pushes skip the code but still need user verification.

describe('passwordless push', () => {
  let latch: LatchProcess;
  let chrome: Browser;
  const phone = new CliPhone();
  const bobPhone = new CliPhone();

  before(async () => {
    latch = await startTestLatch({ run: 'process' });
    await addUser(latch.env, 'alice', { displayName: 'Alice Liddell', password: PASSWORD });
    await addUser(latch.env, 'bob', { displayName: 'Bob Test', password: PASSWORD });
    await phone.ok('activate', await activationLink(latch.url, 'alice'), '--name', 'Pixel');
    await bobPhone.ok('activate', await activationLink(latch.url, 'bob'), '--name', 'Bob phone');
    chrome = await launchChromium();
  });

  after(async () => {
    await chrome?.close();
    await latch?.stop();
  });

  async function username(page: Page, name = 'alice'): Promise<void> {
    await page.goto(`${latch.url}/account/sign-in`);
    await page.getByLabel('Username').fill(name);
    // A browser that is known for nobody gets the password on the first page: no "Next" there.
    await nextUnlessOnePage(page);
  }

  async function signOut(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You have signed out').waitFor();
  }

  /** Password + verified push: what makes a browser known for the user. */
  async function fullSignIn(page: Page, who = { name: 'alice', display: 'Alice Liddell', phone }): Promise<void> {
    await passwordThenPush(page, latch.url, who.name);
    const code = await sendPush(page);
    await who.phone.ok('approve', '--wait', '10', '--code', code);
    await signedInAs(page, who.display);
  }

  async function passwordAsked(page: Page): Promise<void> {
    await toPasswordField(page);
    assert.equal(
      await page.getByRole('button', { name: 'Approve on your phone' }).count(),
      0,
      'no passwordless option here',
    );
    assert.equal(await page.getByRole('heading', { name: 'Approve on your phone' }).count(), 0);
  }

  const lastSignIn = () =>
    latch
      .authEvents()
      .filter((e) => e.event === 'sign-in')
      .at(-1);

  it('a browser that is not known for the user gets no passwordless push, and cannot pick it', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await username(page);
      await passwordAsked(page);
    });
    // Asking for the step by hand (a forged "choose") is refused and the page stays on the password.
    const client = new HttpClient(latch.url);
    const first = await client.startSignIn();
    const pw = await client.passwordPage('alice', first);
    const forced = await client.post(pw.path, {
      csrf: /name="csrf" value="([^"]+)"/.exec(pw.text)![1]!,
      step: 'password',
      choose: 'push-passwordless',
    });
    assert.match(forced.text, /That option is not available\./);
    assert.match(forced.text, /<label for="password">Password<\/label>/);
    assert.match(await phone.refused('pending'), /No sign-in request is waiting/);
  });

  it('first passwordless push from a known browser is verified; trusted afterwards it skips the code; clearing the cookie ends it', async () => {
    await withContext(chrome, {}, async (context: BrowserContext) => {
      const page = await context.newPage();
      await fullSignIn(page);
      await signOut(page);

      // Known now: the username leads to the phone, with a code the first time.
      await username(page);
      await page.getByRole('heading', { name: 'Approve on your phone' }).waitFor();
      const code = await sendPush(page);
      assert.match(code, /^\d{6}$/, 'passwordless push asks for six digits (push.codeLength is 3)');
      const shown = await phone.ok('pending', '--wait', '10');
      assert.match(shown, /type the 6-digit code/);
      // A device that did not verify its user cannot approve a passwordless push.
      assert.match(
        await phone.refused('approve', '--code', code, '--no-user-verification'),
        /needs you to unlock the authenticator \(biometric or PIN\)/,
      );
      await page.getByLabel('Trust this browser: next time, approve on my phone without a code').check();
      await phone.ok('approve', '--code', code);
      await signedInAs(page, 'Alice Liddell');
      assert.deepEqual(lastSignIn()?.methods, ['push-passwordless']);
      assert.match(String(lastSignIn()?.reason), /\(passwordless\)/);
      assert.match(
        String(
          latch
            .authEvents()
            .filter((e) => e.event === 'push-passwordless')
            .at(-1)?.reason,
        ),
        /the user trusted this browser/,
      );
      await signOut(page);

      // Trusted: no code, still the phone's user verification.
      await username(page);
      await page.getByRole('heading', { name: 'Approve on your phone' }).waitFor();
      assert.equal(await sendPush(page), '', 'no code for a trusted browser');
      assert.match(await phone.ok('pending', '--wait', '10'), /code: +not needed/);
      assert.match(await phone.refused('approve', '--no-user-verification'), /needs you to unlock/);
      await phone.ok('approve');
      await signedInAs(page, 'Alice Liddell');
      assert.deepEqual(lastSignIn()?.methods, ['push-passwordless']);
      await signOut(page);

      // Another user in the same browser: not known for bob.
      await username(page, 'bob');
      await passwordAsked(page);

      // Cleared cookies: a stranger to Latch again, until password + second factor.
      await context.clearCookies();
      await username(page);
      await passwordAsked(page);
    });
  });

  it('a fresh browser profile (private window) gets no passwordless push even after the user trusted another', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await username(page);
      await passwordAsked(page);
      assert.match(await phone.refused('pending'), /No sign-in request is waiting/);
    });
  });

  it('a disabled account gets no passwordless push, even from a known browser', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await fullSignIn(page, { name: 'bob', display: 'Bob Test', phone: bobPhone });
      await signOut(page);
      const file = path.join(latch.dataDir, 'users.yaml');
      const users = YAML.parse(fs.readFileSync(file, 'utf8')) as { users: Record<string, { disabled?: boolean }> };
      users.users.bob!.disabled = true;
      fs.writeFileSync(file, YAML.stringify(users), { mode: 0o600 });
      await new Promise((resolve) => setTimeout(resolve, 1100)); // the users file is re-read at most once a second

      await username(page, 'bob');
      await page.getByRole('heading', { name: 'Approve on your phone' }).waitFor();
      await page.getByRole('button', { name: 'Send push' }).click();
      await page.getByRole('heading', { name: 'Your account is disabled.' }).waitFor();
      assert.match(await bobPhone.refused('pending'), /No sign-in request is waiting/);
      assert.equal(
        (await context.cookies()).some((c) => c.name === 'latch_session'),
        false,
      );
    });
  });
});
