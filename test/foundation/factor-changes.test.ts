import assert from 'node:assert/strict';
import { after, before, it } from 'mocha';
import { HttpClient, hiddenValue, visibleText } from '../support/http-client.ts';
import { pageOptions } from '../support/soft-authenticator.ts';
import { authenticators } from '../webauthn/http-steps.ts';
import { PASSWORD } from '../webauthn/browser-steps.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';

// A stolen password must not be enough to plant a factor on an account that has one. The account
// application here accepts only WebAuthn and lets users without it in on the password alone, so
// pia, who holds a hardware token, gets a password-only session: with it she may look at her
// authenticators but not change them. A user with no factor at all may enroll the first one.

let latch: InProcessLatch;

before(async () => {
  latch = await startTestLatch({
    host: 'localhost',
    users: [
      { username: 'pia', id: 'id-pia', password: PASSWORD },
      { username: 'quinn', id: 'id-quinn', password: PASSWORD },
    ],
    config: {
      applications: {
        account: { name: 'Latch account', policy: { secondFactors: ['webauthn'], newUser: 'allow', passwordless: [] } },
      },
      oidc: {
        clients: [
          {
            client_id: 'wiki',
            client_name: 'Team wiki',
            client_secret: 'a-client-secret-that-is-long-enough-0123456789',
            redirect_uris: ['https://wiki.test/cb'],
          },
        ],
      },
    },
  });
  const { tokens } = latch.services.passcodes;
  await tokens.import([
    { serial: 'T-1', secret: 'JBSWY3DPEHPK3PXP', type: 'totp', digits: 6, period: 30, counter: 0, algorithm: 'SHA1' },
  ]);
  await tokens.assign('T-1', 'id-pia');
});
after(async () => {
  await latch?.stop();
});

async function addKeyWithPasswordSession(username: string) {
  const browser = new HttpClient(latch.url);
  const home = await browser.signIn(username, PASSWORD);
  assert.match(visibleText(home.text), new RegExp(`Signed in as ${username}`));
  const page = await browser.get('/account/passkeys');
  const soft = authenticators(new URL(latch.url).origin);
  return browser.post('/account/passkeys/add', {
    csrf: hiddenValue(page.text, 'csrf'),
    webauthn_response: JSON.stringify(soft.key.register(pageOptions(page.text))),
    name: 'Attacker key',
  });
}

it('a password-only session cannot add a security key for a user who already has a factor', async () => {
  const refused = await addKeyWithPasswordSession('pia');
  assert.equal(refused.status, 403);
  assert.match(
    visibleText(refused.text),
    /Nothing was changed\. To change your passkeys and security keys, sign out and sign in again with your second factor\./,
  );
  assert.deepEqual(await latch.credentialsOf('id-pia'), [], 'no credential was stored');
});

it('a user with no factor at all may add the first one from a password session', async () => {
  const added = await addKeyWithPasswordSession('quinn');
  assert.equal(added.status, 200, visibleText(added.text));
  assert.equal((await latch.credentialsOf('id-quinn')).length, 1);
});

it('a password-only session does not sign a user who has a factor into an application that would ask for it', async () => {
  const browser = new HttpClient(latch.url);
  assert.match(visibleText((await browser.signIn('pia', PASSWORD)).text), /Signed in as pia/);
  const query = new URLSearchParams({
    client_id: 'wiki',
    response_type: 'code',
    redirect_uri: 'https://wiki.test/cb',
    scope: 'openid',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    state: 's1',
  });
  const res = await browser.request(`/oidc/auth?${query}`);
  assert.equal(res.status, 303, 'a redirect, to the prompt');
  assert.match(res.headers.get('location') ?? '', /\/oidc\/interaction\//, 'not straight back to the wiki with a code');
});
