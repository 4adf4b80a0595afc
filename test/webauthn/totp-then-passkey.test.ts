import assert from 'node:assert/strict';
import { after, before, it } from 'mocha';
import { launchChromium, withContext, type Browser } from '../support/chromium.ts';
import { otherCode, totpCode } from '../support/passcodes.ts';
import { PASSWORD, alertText, enterPassword, enterUsername, signOut, waitForHeading } from './browser-steps.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { addAuthenticator } from './virtual-authenticator.ts';

// Issue #6 as a person meets it: a new user sets up an authenticator app right after the password,
// takes the "Sign in faster" offer to make a passkey on this device, and from then on signs in
// with one gesture. No security key is involved: the second factor is the app's passcode.

let latch: InProcessLatch;
let chrome: Browser;

before(async () => {
  latch = await startTestLatch({
    host: 'localhost',
    users: [{ username: 'nina', id: 'id-nina', password: PASSWORD, displayName: 'Nina', groups: [] }],
    config: { policy: { default: { newUser: 'require-enrollment' } } },
  });
  chrome = await launchChromium();
});
after(async () => {
  await chrome?.close();
  await latch?.stop();
});

it('a new user enrolls an authenticator app and a passkey, then signs in with one gesture', async () => {
  await withContext(chrome, {}, async (context) => {
    const page = await context.newPage();
    await page.goto(`${latch.url}/account/sign-in`);
    await enterUsername(page, 'nina');
    await enterPassword(page);

    await waitForHeading(page, 'Set up an authenticator app');
    const secret = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s/g, '');
    await page.getByLabel('Code from the app').fill(otherCode(totpCode(secret)));
    await page.getByRole('button', { name: 'Verify and continue' }).click();
    assert.match(await alertText(page), /not right/, 'a wrong code does not enroll the app');
    await page.getByLabel('Code from the app').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Verify and continue' }).click();

    // Password + passcode done: Latch offers a passkey on this device.
    await waitForHeading(page, 'Sign in faster next time');
    const device = await addAuthenticator(page, 'platform');
    await page.getByRole('button', { name: 'Continue' }).click();
    await waitForHeading(page, 'Signed in as Nina');
    const [passkey] = (await latch.credentialsOf('id-nina')).filter((c) => c.passwordless);
    assert.deepEqual([passkey?.kind, passkey?.passwordless], ['platform', true]);
    assert.equal((await device.credentials()).length, 1, 'the passkey lives on the device');
    await signOut(page, latch.url);

    // Next time: the username, then one touch; no password, no passcode.
    await device.setPresence(false);
    await page.goto(`${latch.url}/account/sign-in`);
    await enterUsername(page, 'nina');
    await waitForHeading(page, 'Sign in with your passkey');
    await device.setPresence(true);
    await page.getByRole('button', { name: 'Use passkey' }).click();
    await waitForHeading(page, 'Signed in as Nina');
    const [last] = await latch.services.authLog.query({ limit: 1 });
    assert.match(String(last?.data.reason), /\(passwordless\)$/);
    await signOut(page, latch.url);

    // And without typing anything: the passkey from autofill.
    await page.goto(`${latch.url}/account/sign-in`);
    await waitForHeading(page, 'Signed in as Nina');
  });
});
