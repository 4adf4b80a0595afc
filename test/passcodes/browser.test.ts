import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import {
  launchChromium,
  nextUnlessOnePage,
  toPasswordField,
  withContext,
  type Browser,
  type Page,
} from '../support/chromium.ts';
import { addUser } from '../support/commands.ts';
import { startTestLatch, type LatchProcess } from '../support/latch.ts';
import { latchOk, otherCode, printedBypassCodes, totpCode } from '../support/passcodes.ts';

// A person in Chromium: a new user whose policy requires a second factor sets up an authenticator
// app right after the password (reading the key from the page), signs in with passcodes, uses a
// bypass code from the help desk until it is used up, and replaces and removes the app on the
// account page. The codes come from otpauth, as an app computes them.

const PASSWORD = 'correct horse battery';

describe('passcodes and bypass codes in Chromium', () => {
  let latch: LatchProcess;
  let chrome: Browser;
  /** The secret of alice's current authenticator app, read from the enrollment page. */
  let secret = '';
  /** The app it replaced on the account page. */
  let previous = '';

  before(async () => {
    // Passwordless is off here so that the "Sign in faster" offer (test/webauthn) stays out of the way.
    latch = await startTestLatch({
      run: 'process',
      config: { policy: { default: { newUser: 'require-enrollment', passwordless: [] } } },
    });
    await addUser(latch.env, 'alice', { displayName: 'Alice Liddell', password: PASSWORD });
    chrome = await launchChromium();
  });

  after(async () => {
    await chrome?.close();
    await latch?.stop();
  });

  async function signInWithPassword(page: Page): Promise<void> {
    await page.goto(`${latch.url}/account/sign-in`);
    await page.getByLabel('Username').fill('alice');
    await nextUnlessOnePage(page);
    await toPasswordField(page);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  async function enterCode(page: Page, label: string, code: string, button = 'Verify'): Promise<void> {
    await page.getByLabel(label).fill(code);
    await page.getByRole('button', { name: button, exact: true }).click();
  }

  const alertText = async (page: Page) => (await page.getByRole('alert').textContent())?.trim();
  const signedIn = (page: Page) => page.getByRole('heading', { name: 'Signed in as Alice Liddell' }).waitFor();

  it('a new user sets up an authenticator app right after the password, with the QR code or the key', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await signInWithPassword(page);
      await page.getByRole('heading', { name: 'Set up an authenticator app' }).waitFor();
      const qr = page.getByRole('img', { name: /QR code that adds your Latch account/ });
      assert.match((await qr.getAttribute('src')) ?? '', /^data:image\/svg\+xml;base64,/);
      assert.ok((await qr.boundingBox())!.width >= 150, 'the QR code is shown large enough to scan');
      secret = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s/g, '');
      assert.match(secret, /^[A-Z2-7]{32}$/);

      await enterCode(page, 'Code from the app', otherCode(totpCode(secret)), 'Verify and continue');
      assert.match((await alertText(page)) ?? '', /^That code is not right\./);
      await enterCode(page, 'Code from the app', totpCode(secret), 'Verify and continue');
      await signedIn(page);
      assert.match((await page.locator('main').textContent()) ?? '', /with password and passcode/);
    });
  });

  it('the next sign-in asks for a passcode; a used code is refused and a fresh one works', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await signInWithPassword(page);
      await page.getByRole('heading', { name: 'Enter a passcode' }).waitFor();
      assert.match((await page.locator('#code-help').textContent()) ?? '', /Open your authenticator app/);
      // The code that confirmed the app (this step or the one before) was used up by that.
      await enterCode(page, 'Passcode', totpCode(secret, -1));
      assert.match((await alertText(page)) ?? '', /already used|not right/);
      await enterCode(page, 'Passcode', totpCode(secret, 1));
      await signedIn(page);
    });
  });

  it('a bypass code from `latch bypass-codes generate` signs in once and is then used up', async () => {
    const printed = await latchOk(latch.env, [
      'bypass-codes',
      'generate',
      'alice',
      '--count',
      '1',
      '--uses',
      '1',
      '--expires',
      '2h',
    ]);
    assert.match(printed, /1 bypass code for alice, good for one use, until .* UTC\.\nThey are shown only now/);
    const [code] = printedBypassCodes(printed);
    assert.ok(code);
    assert.match(await latchOk(latch.env, ['bypass-codes', 'list', 'alice']), /alice has 1 usable bypass code/);

    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await signInWithPassword(page);
      await page.getByRole('heading', { name: 'Enter a passcode' }).waitFor();
      await page.getByText('Other options').click();
      await page.getByRole('button', { name: 'Bypass code' }).click();
      await page.getByRole('heading', { name: 'Enter a bypass code' }).waitFor();
      await enterCode(page, 'Bypass code', code);
      await signedIn(page);
      assert.match((await page.locator('main').textContent()) ?? '', /with password and bypass code/);
    });

    assert.match(await latchOk(latch.env, ['bypass-codes', 'list', 'alice']), /alice has no usable bypass codes/);
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await signInWithPassword(page);
      await page.getByRole('heading', { name: 'Enter a passcode' }).waitFor();
      assert.equal(
        await page.getByRole('button', { name: 'Bypass code', includeHidden: true }).count(),
        0,
        'no bypass code left to offer',
      );
    });
  });

  it('on the account page the user replaces the app with a new one', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      // The earlier tests used up this time step's passcodes: sign in with a bypass code (two
      // uses, so that one is left to revoke later).
      const [code] = printedBypassCodes(await latchOk(latch.env, ['bypass-codes', 'generate', 'alice', '--uses', '2']));
      await signInWithPassword(page);
      await page.getByText('Other options').click();
      await page.getByRole('button', { name: 'Bypass code' }).click();
      await enterCode(page, 'Bypass code', code!);
      await signedIn(page);

      await page.getByRole('link', { name: 'Authenticator app' }).click();
      await page.getByRole('heading', { name: 'Authenticator app' }).waitFor();
      await page.getByRole('button', { name: 'Replace the authenticator app' }).click();
      const replacement = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s/g, '');
      assert.match(replacement, /^[A-Z2-7]{32}$/);
      assert.notEqual(replacement, secret);
      await enterCode(page, 'Code from the app', otherCode(totpCode(replacement)), 'Verify and save');
      assert.match((await alertText(page)) ?? '', /^That code is not right\./);
      await enterCode(page, 'Code from the app', totpCode(replacement), 'Verify and save');
      await page
        .getByRole('status')
        .filter({ hasText: 'Your new authenticator app is set up; the old one no longer works.' })
        .waitFor();
      assert.equal(await page.getByRole('listitem').count(), 1);
      previous = secret;
      secret = replacement;
    });
  });

  it('the old app no longer signs in, the new one does; removing it (and the bypass codes) brings back enrollment', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await signInWithPassword(page);
      await page.getByRole('heading', { name: 'Enter a passcode' }).waitFor();
      await enterCode(page, 'Passcode', totpCode(previous));
      assert.match((await alertText(page)) ?? '', /^That code is not right\./);
      await enterCode(page, 'Passcode', totpCode(secret, 1));
      await signedIn(page);

      await page.goto(`${latch.url}/account/passcodes`);
      await page.getByRole('button', { name: 'Remove' }).click();
      await page.getByRole('status').filter({ hasText: 'The authenticator app was removed.' }).waitFor();
      await page.getByText('You have no authenticator app set up.').waitFor();
    });
    const log = latch.authEvents().filter((e) => e.event === 'account-passcodes');
    assert.deepEqual(
      log.map((e) => `${e.result}: ${e.reason}`),
      [
        'failure: wrong code while adding an authenticator app on the account page',
        'success: replaced 1 authenticator app(s) on the account page',
        'success: removed the authenticator app on the account page',
      ],
    );

    assert.match(
      await latchOk(latch.env, ['bypass-codes', 'revoke', 'alice']),
      /Revoked 1 bypass code\(s\) of alice\./,
    );
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await signInWithPassword(page);
      await page.getByRole('heading', { name: 'Set up an authenticator app' }).waitFor();
    });
  });
});
