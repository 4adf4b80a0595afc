import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import { launchChromium, withContext, type Browser } from '../support/chromium.ts';
import { addUser } from '../support/commands.ts';
import { startTestLatch, type LatchProcess } from '../support/latch.ts';
import { activationLink, PASSWORD, passwordThenPush, sendPush, signedInAs } from './helpers.ts';

// The phone web app in one Chromium profile is the phone; another profile is the computer that
// signs in: first with password + verified push, then passwordless push from the now known browser.

describe('Latch Authenticator phone web app', () => {
  let latch: LatchProcess;
  let chrome: Browser;

  before(async () => {
    latch = await startTestLatch({ run: 'process' });
    await addUser(latch.env, 'alice', { displayName: 'Alice Liddell', password: PASSWORD });
    chrome = await launchChromium();
  });

  after(async () => {
    await chrome?.close();
    await latch?.stop();
  });

  it('activate from the link, approve a verified push, then a passwordless push with the PIN', async () => {
    const link = await activationLink(latch.url, 'alice');
    await withContext(
      chrome,
      { viewport: { width: 412, height: 915 }, isMobile: true, hasTouch: true },
      async (phoneContext) => {
        const phone = await phoneContext.newPage();
        const problems: string[] = [];
        phone.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
        phone.on('pageerror', (e) => problems.push(e.message));

        // Opening the QR code's link fills the form and takes the token out of the address bar.
        await phone.goto(link);
        await phone.getByRole('heading', { name: 'Latch Authenticator' }).waitFor();
        assert.equal(await phone.getByLabel('Activation link').inputValue(), link);
        assert.equal(new URL(phone.url()).hash, '', 'the token is gone from the address bar');
        await phone.getByLabel('Name of this device').fill('Test Pixel');
        await phone.getByLabel('Choose a PIN (4 to 12 digits)').fill('2468');
        await phone.getByRole('button', { name: 'Activate' }).click();
        await phone.getByRole('status').filter({ hasText: 'Activated for alice.' }).waitFor();
        await phone.getByRole('heading', { name: 'Alice Liddell (alice)' }).waitFor();
        assert.match((await phone.locator('.passcode').textContent()) ?? '', /^\d{3} \d{3}$/);
        assert.ok(
          latch
            .authEvents()
            .some((e) => e.event === 'push-activate' && /activated Test Pixel \(web\)/.test(String(e.reason))),
        );

        await withContext(chrome, {}, async (computer) => {
          const page = await computer.newPage();
          await passwordThenPush(page, latch.url, 'alice');
          const code = await sendPush(page);
          const request = phone.locator('article.request');
          await request.getByRole('heading', { name: 'Sign-in request' }).waitFor();
          assert.match((await request.textContent()) ?? '', /Latch account/);
          assert.match((await request.textContent()) ?? '', /Chrome on Linux, 127\.0\.0\.1/);
          await phone.getByLabel('Code shown in the browser').fill(code);
          await phone.getByRole('button', { name: 'Approve' }).click();
          await phone.getByRole('status').filter({ hasText: 'Approved.' }).waitFor();
          await signedInAs(page, 'Alice Liddell');

          // Known browser now: passwordless, verified the first time, approved with the PIN.
          await page.getByRole('button', { name: 'Sign out' }).click();
          await page.goto(`${latch.url}/account/sign-in`);
          await page.getByLabel('Username').fill('alice');
          await page.getByRole('button', { name: 'Next' }).click();
          await page.getByRole('heading', { name: 'Approve on your phone' }).waitFor();
          const second = await sendPush(page);
          await phone.getByLabel('Code shown in the browser').fill(second);
          await phone.getByLabel('Your PIN').fill('1111');
          await phone.getByRole('button', { name: 'Approve' }).click();
          await phone.getByRole('status').filter({ hasText: 'That PIN is not right.' }).waitFor();
          await phone.getByLabel('Your PIN').fill('2468');
          await phone.getByRole('button', { name: 'Approve' }).click();
          await signedInAs(page, 'Alice Liddell');
          assert.deepEqual(
            latch
              .authEvents()
              .filter((e) => e.event === 'sign-in')
              .at(-1)?.methods,
            ['push-passwordless'],
          );
        });
        // Chromium has no Push API in the throwaway profiles tests use; the app says so and keeps polling.
        assert.deepEqual(
          problems.filter((p) => !/Push API|push service|Registration failed|permission|AbortError/i.test(p)),
          [],
        );
      },
    );
  });

  it('the app is installable: manifest, service worker and icon are served under its own policy', async () => {
    const manifest = await fetch(`${latch.url}/authenticator/manifest.webmanifest`);
    assert.equal(manifest.status, 200);
    assert.match(manifest.headers.get('content-security-policy') ?? '', /manifest-src 'self'/);
    const body = (await manifest.json()) as { start_url: string; display: string };
    assert.equal(body.start_url, '/authenticator/');
    assert.equal(body.display, 'standalone');
    const worker = await fetch(`${latch.url}/authenticator/sw.js`);
    assert.equal(worker.status, 200);
    assert.match(await worker.text(), /showNotification/);
    assert.equal((await fetch(`${latch.url}/authenticator/icon.svg`)).status, 200);
  });
});
