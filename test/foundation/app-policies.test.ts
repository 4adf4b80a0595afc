import { after, before, it } from 'mocha';
import assert from 'node:assert/strict';
import { HttpClient, visibleText } from '../support/http-client.ts';
import { spMetadataXml } from '../support/sp-metadata.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';

// Per-application policy reaches the sign-in: a SAML SP's `policy` and an OIDC client's `policy`
// are layered over policy.default (docs/sign-in-policy.md), and a session made for one
// application does not carry a user into another whose policy refuses them.

const STRICT_SP = 'https://strict.sp.test/metadata';
const OPEN_SP = 'https://open.sp.test/metadata';
const PASSWORD = 'correct horse battery';

let latch: InProcessLatch;

before(async () => {
  latch = await startTestLatch({
    host: 'localhost',
    users: [
      { username: 'alice', password: PASSWORD, groups: ['staff'] },
      { username: 'carl', password: PASSWORD, groups: ['contractors'] },
    ],
    config: {
      saml: {
        serviceProviders: {
          // Needs a second factor; alice has none, so she cannot use it.
          strict: {
            metadataXml: spMetadataXml({ entityId: STRICT_SP, acs: ['https://strict.sp.test/acs'] }),
            name: 'Payroll',
            policy: { newUser: 'deny' },
          },
          open: { metadataXml: spMetadataXml({ entityId: OPEN_SP, acs: ['https://open.sp.test/acs'] }), name: 'Wiki' },
        },
      },
      policy: { default: { passwordless: [] }, groups: [{ group: 'contractors', deny: true }] },
      oidc: {
        clients: [
          {
            client_id: 'blocked',
            client_name: 'Blocked app',
            client_secret: 'a-client-secret-that-is-long-enough-0123456789',
            redirect_uris: ['https://blocked.test/cb'],
            policy: { deny: true },
          },
        ],
      },
    },
  });
});
after(async () => {
  await latch.stop();
});

/** Starts an IdP-initiated sign-in to the SP and signs in with the password. */
async function signInToSp(browser: HttpClient, entityId: string, username: string) {
  const prompt = await browser.get(`/saml2/idp/init?sp=${encodeURIComponent(entityId)}`);
  if (!prompt.path.startsWith('/login')) return prompt;
  const passwordPage = await browser.passwordPage(username, prompt);
  return browser.submit(passwordPage, { password: PASSWORD });
}

it("a SAML SP's policy applies to it alone: new-user deny refuses a user without a second factor", async () => {
  const browser = new HttpClient(latch.url);
  const refused = await signInToSp(browser, STRICT_SP, 'alice');
  assert.equal(refused.status, 403);
  assert.match(visibleText(refused.text), /Payroll needs a second factor, and your account has none that it accepts\./);

  const wiki = await signInToSp(new HttpClient(latch.url), OPEN_SP, 'alice');
  assert.equal(wiki.status, 200);
  assert.match(wiki.text, /action="https:\/\/open\.sp\.test\/acs"/, 'the wiki gets its SAML response');
});

it('a session for one application does not carry a user into an application whose policy refuses them', async () => {
  const browser = new HttpClient(latch.url);
  const wiki = await signInToSp(browser, OPEN_SP, 'alice');
  assert.match(wiki.text, /action="https:\/\/open\.sp\.test\/acs"/);
  const again = await browser.get(`/saml2/idp/init?sp=${encodeURIComponent(STRICT_SP)}`);
  assert.ok(again.path.startsWith('/login'), 'no single sign-on into Payroll: the prompt is shown');
});

it("an OIDC client's policy applies: a denied client refuses after the password, with a page, not a redirect", async () => {
  const browser = new HttpClient(latch.url);
  const query = new URLSearchParams({
    client_id: 'blocked',
    response_type: 'code',
    redirect_uri: 'https://blocked.test/cb',
    scope: 'openid',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    state: 's1',
  });
  const prompt = await browser.get(`/oidc/auth?${query}`);
  assert.ok(prompt.path.startsWith('/login'), `expected the prompt, got ${prompt.path}`);
  const refused = await browser.submit(await browser.passwordPage('alice', prompt), { password: PASSWORD });
  assert.equal(refused.status, 403);
  assert.match(visibleText(refused.text), /You can't sign in to Blocked app\./);
});

it('group policy over the default: a denied group cannot sign in to any application', async () => {
  const refused = await signInToSp(new HttpClient(latch.url), OPEN_SP, 'carl');
  assert.equal(refused.status, 403);
  assert.match(visibleText(refused.text), /You can't sign in to Wiki\./);
});
