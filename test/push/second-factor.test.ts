import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchChromium, withContext, type Browser } from '../support/chromium.ts';
import { addUser, startLatchProcess, type LatchProcess } from '../support/latch-process.ts';
import { activationLink, CliPhone, PASSWORD, passwordThenPush, sendPush, signedInAs } from './helpers.ts';

// Verified push as a second factor: Chromium signs in, the command-line authenticator is the phone.

describe('verified push as a second factor', () => {
  let latch: LatchProcess;
  let chrome: Browser;
  const phone = new CliPhone();

  before(async () => {
    latch = await startLatchProcess();
    await addUser(latch.env, 'alice', { displayName: 'Alice Liddell', password: PASSWORD });
    chrome = await launchChromium();
    assert.match(await phone.ok('activate', await activationLink(latch.url, 'alice'), '--name', 'Test phone'), /Activated Test phone for alice/);
  });

  after(async () => {
    await chrome?.close();
    await latch?.stop();
  });

  test('the right code typed on the phone signs the browser in', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await passwordThenPush(page, latch.url, 'alice');
      const code = await sendPush(page);
      assert.match(code, /^\d{3}$/, 'a 3-digit code is shown');
      const shown = await phone.ok('pending', '--wait', '10');
      assert.match(shown, /app: +Latch account/);
      assert.match(shown, /from: +Chrome on Linux, 127\.0\.0\.1/);
      assert.doesNotMatch(shown, new RegExp(`\\b${code}\\b`), 'the phone is not told the code');
      assert.equal(await phone.ok('approve', '--code', code), 'Approved.');
      await signedInAs(page, 'Alice Liddell');
      const signIn = latch.authEvents().filter((e) => e.event === 'sign-in').at(-1);
      assert.deepEqual(signIn?.methods, ['password', 'push']);
    });
  });
});
