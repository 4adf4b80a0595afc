import assert from 'node:assert/strict';
import { after, before, it } from 'mocha';
import { activationUrl } from '../../src/methods/push/protocol.ts';
import { sidOf } from '../../src/idp/signin/session.ts';
import { HttpClient, hiddenValue, isPasskeyPage, visibleText, type Page } from '../support/http-client.ts';
import { pageOptions } from '../support/soft-authenticator.ts';
import { CliPhone, skipOffer } from '../push/helpers.ts';
import { authenticators } from '../webauthn/http-steps.ts';
import { PASSWORD } from '../webauthn/browser-steps.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';

// Issue #11, item 2: every step decides with the policy of the user it is about. After the
// username page only the typed login is known, so passwordless push must look up the user's
// groups itself; and the account pages do not let a user activate what their policy forbids.

let latch: InProcessLatch;
const phones = { gus: new CliPhone(), gail: new CliPhone() };

before(async () => {
  latch = await startTestLatch({
    host: 'localhost',
    users: [
      { username: 'gus', id: 'id-gus', password: PASSWORD, groups: ['no-passwordless'] },
      { username: 'gail', id: 'id-gail', password: PASSWORD },
      { username: 'cora', id: 'id-cora', password: PASSWORD, groups: ['codes-only'] },
    ],
    config: {
      policy: {
        groups: [
          { group: 'no-passwordless', passwordless: [] },
          { group: 'codes-only', secondFactors: ['passcode', 'bypass-code'], passwordless: [] },
        ],
      },
    },
  });
  for (const name of ['gus', 'gail'] as const) {
    const { token } = await latch.services.push.activations.issue(
      { id: `id-${name}`, username: name },
      'test administrator',
    );
    await phones[name].ok('activate', activationUrl(latch.url, token), '--name', `${name} phone`);
  }
});
after(async () => {
  await latch?.stop();
});

/** Password + verified push: afterwards the browser is known for the user. */
async function passwordAndPush(browser: HttpClient, name: 'gus' | 'gail'): Promise<void> {
  const pushPage = await browser.submit(await browser.passwordPage(name), { password: PASSWORD });
  const sent = await browser.submit(pushPage, { push: 'send' });
  const code = /aria-label="Verification code">(\d+)</.exec(sent.text)?.[1];
  assert.ok(code, visibleText(sent.text));
  await phones[name].ok('approve', '--wait', '10', '--code', code);
  const done = await skipOffer(browser, await browser.submit(sent, { push: 'continue' }));
  assert.match(done.text, new RegExp(`Signed in as ${name}`));
  await browser.post('/logout', { csrf: hiddenValue(done.text, 'csrf') });
}

async function afterUsername(browser: HttpClient, name: string): Promise<Page> {
  return browser.submit(await browser.startSignIn(), { username: name });
}

it('a group without passwordless does not get passwordless push, even from a browser known for the user', async () => {
  const gus = new HttpClient(latch.url);
  await passwordAndPush(gus, 'gus');
  const first = await afterUsername(gus, 'gus');
  assert.doesNotMatch(first.text, /Approve on your phone/);
  // The passkey page (the same for every username) may come first; its "Other options" lead on.
  const page = isPasskeyPage(first) ? await gus.submit(first, { choose: 'password' }) : first;
  assert.match(page.text, /<label for="password">Password<\/label>/, 'the password is asked for');
  assert.doesNotMatch(page.text, /Approve on your phone/);
  const forced = await gus.post(page.path, {
    csrf: hiddenValue(page.text, 'csrf'),
    step: 'password',
    choose: 'push-passwordless',
  });
  assert.match(forced.text, /That option is not available\./);
  assert.match(await phones.gus.refused('pending'), /No sign-in request is waiting/);

  // The same browser history gives a user whose policy allows it passwordless push.
  const gail = new HttpClient(latch.url);
  await passwordAndPush(gail, 'gail');
  assert.match((await afterUsername(gail, 'gail')).text, /Approve on your phone/);
});

it('the account pages do not let a user add what their policy forbids, and say why', async () => {
  const cora = new HttpClient(latch.url);
  await cora.signIn('cora', PASSWORD);

  const phonePage = await cora.get('/account/authenticator');
  assert.match(visibleText(phonePage.text), /does not allow phone sign-in for your account/);
  assert.doesNotMatch(phonePage.text, /Activate the Latch Authenticator/);
  // The page has no form; a post with a valid token for this session is refused all the same.
  const sid = sidOf(cora.cookies.get('latch_session') ?? '');
  const activate = await cora.post('/account/authenticator/activate', {
    csrf: latch.services.csrf.issue(`push-account:${sid}`),
  });
  assert.equal(activate.status, 403);
  assert.match(visibleText(activate.text), /does not allow phone sign-in for your account, so nothing was activated/);
  assert.doesNotMatch(activate.text, /id="activation-link"/);

  const keysPage = await cora.get('/account/passkeys');
  assert.match(visibleText(keysPage.text), /does not allow passkeys or security keys for your account/);
  assert.doesNotMatch(keysPage.text, /data-ceremony="register"/);
  // A registration from a software key, made for options of its own, posted to cora's form.
  const soft = authenticators(new URL(latch.url).origin);
  const options = {
    challenge: 'AAAA',
    rp: { id: 'localhost', name: 'Latch' },
    user: { id: 'aWQtY29yYQ', name: 'cora', displayName: 'cora' },
  };
  const add = await cora.post('/account/passkeys/add', {
    csrf: latch.services.csrf.issue(`passkeys:${sid}`),
    webauthn_response: JSON.stringify(soft.key.register(options)),
    name: 'Forbidden key',
  });
  assert.equal(add.status, 403);
  assert.match(visibleText(add.text), /does not allow passkeys or security keys for your account/);
  assert.deepEqual(await latch.credentialsOf('id-cora'), []);

  // What policy allows is still offered.
  const codes = await cora.get('/account/passcodes');
  assert.match(codes.text, /Set up an authenticator app/);
});
