import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import { launchChromium, nextUnlessOnePage, toPasswordField, withContext, type Browser } from '../support/chromium.ts';
import { HttpClient } from '../support/http-client.ts';
import { addUser } from '../support/commands.ts';
import { startTestLatch, type LatchProcess } from '../support/latch.ts';
import { activationLink, CliPhone, PASSWORD, sendPush, signedInAs } from './helpers.ts';

// Getting a phone activated: inline during a sign-in when policy requires a second factor, and on
// the account page (QR code, one-time link, removal, and the rule that moving push to a new phone
// needs more than a password).

describe('inline activation when policy requires a second factor', () => {
  let latch: LatchProcess;
  let chrome: Browser;

  before(async () => {
    latch = await startTestLatch({
      run: 'process',
      config: { policy: { default: { newUser: 'require-enrollment' }, groups: [] } },
    });
    await addUser(latch.env, 'frank', { displayName: 'Frank Test', password: PASSWORD });
    chrome = await launchChromium();
  });

  after(async () => {
    await chrome?.close();
    await latch?.stop();
  });

  it('the prompt shows a QR code and link; after activating, a verified push completes the sign-in', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await page.goto(`${latch.url}/account/sign-in`);
      await page.getByLabel('Username').fill('frank');
      await nextUnlessOnePage(page);
      await toPasswordField(page);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      // A security key or passkey is offered first; the phone is the other option.
      await page.getByText('Other options').click();
      await page.getByRole('button', { name: 'Set up phone sign-in' }).click();
      await page.getByRole('heading', { name: 'Set up phone sign-in' }).waitFor();
      assert.match(
        (await page.getByRole('img', { name: 'QR code of the activation link' }).getAttribute('src')) ?? '',
        /^data:image\/svg\+xml;base64,/,
      );
      const link = await page.getByLabel('Activation link').inputValue();
      await page.reload();
      assert.equal(await page.getByLabel('Activation link').inputValue(), link, 'a reload shows the same link');

      // Continuing before the phone is activated keeps the user here.
      await page.getByRole('link', { name: "I've activated it, continue" }).click();
      await page.getByRole('heading', { name: 'Set up phone sign-in' }).waitFor();

      const phone = new CliPhone();
      await phone.ok('activate', link, '--name', 'Frank phone');
      await page.getByRole('link', { name: "I've activated it, continue" }).click();
      await page.getByRole('heading', { name: 'Approve with your phone' }).waitFor();
      const code = await sendPush(page);
      await phone.ok('approve', '--wait', '10', '--code', code);
      await signedInAs(page, 'Frank Test');
      const signIn = latch
        .authEvents()
        .filter((e) => e.event === 'sign-in')
        .at(-1);
      assert.deepEqual(signIn?.methods, ['password', 'push']);
      assert.match(String(signIn?.reason), /\(mfa\)/);

      // Signed in with the phone, Frank may remove it from the account page.
      await page.getByRole('link', { name: 'Phone sign-in (Latch Authenticator)' }).click();
      await page.getByText('Activated on Frank phone').waitFor();
      await page.getByRole('button', { name: 'Remove Frank phone' }).click();
      await page.getByRole('alert').filter({ hasText: 'Frank phone no longer signs you in.' }).waitFor();
      assert.match(await phone.refused('pending'), /no longer activated for your account/);
    });
  });
});

describe('phone sign-in on the account page', () => {
  let latch: LatchProcess;

  before(async () => {
    // The account application does not ask for push, so a user with a phone can sign in there
    // with a password only: the case the replacement rule is about.
    latch = await startTestLatch({
      run: 'process',
      config: { applications: { account: { name: 'Latch account', policy: { secondFactors: [] } } } },
    });
    await addUser(latch.env, 'gina', { displayName: 'Gina Test', password: PASSWORD });
    await addUser(latch.env, 'hal', { displayName: 'Hal Test', password: PASSWORD });
  });

  after(async () => {
    await latch?.stop();
  });

  const csrfOf = (text: string) => /name="csrf" value="([^"]+)"/.exec(text)![1]!;

  it('the account page shows a QR code and a one-time link; activating shows the device', async () => {
    const client = new HttpClient(latch.url);
    await client.signIn('gina', PASSWORD);
    const page = await client.get('/account/authenticator');
    assert.match(page.text, /Activate the Latch Authenticator/);
    const activated = await client.post('/account/authenticator/activate', { csrf: csrfOf(page.text) });
    assert.match(
      activated.text,
      /<img class="qr" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="QR code of the activation link">/,
    );
    const link = /id="activation-link" type="text" readonly value="([^"]+)"/.exec(activated.text)![1]!;
    const phone = new CliPhone();
    await phone.ok('activate', link, '--name', 'Gina phone');
    const after = await client.get('/account/authenticator');
    assert.match(after.text, /Activated on <strong>Gina phone<\/strong> \(cli\)/);
  });

  it('a forged form changes nothing; a password-only session can neither replace nor remove the phone', async () => {
    const client = new HttpClient(latch.url);
    const phone = new CliPhone();
    await phone.ok('activate', await activationLink(latch.url, 'hal', PASSWORD, client), '--name', 'Hal phone');

    const forged = await client.post('/account/authenticator/remove', { csrf: 'forged' });
    assert.equal(forged.status, 403);
    assert.match(forged.text, /This page was out of date, so nothing was changed\./);
    assert.match(await phone.refused('pending'), /No sign-in request is waiting/, 'the phone is still activated');

    const page = await client.get('/account/authenticator');
    const refused = await client.post('/account/authenticator/activate', { csrf: csrfOf(page.text) });
    assert.equal(refused.status, 403);
    assert.match(
      refused.text,
      /To change or remove your phone, sign out and sign in again with your current phone or another second factor\./,
    );
    assert.doesNotMatch(refused.text, /id="activation-link"/);
    const notRemoved = await client.post('/account/authenticator/remove', { csrf: csrfOf(page.text) });
    assert.equal(notRemoved.status, 403);
    assert.match(notRemoved.text, /To change or remove your phone/);
    assert.match(await phone.refused('pending'), /No sign-in request is waiting/, 'the phone is still activated');
    assert.match((await client.get('/account/authenticator')).text, /Activated on <strong>Hal phone<\/strong>/);
  });
});
