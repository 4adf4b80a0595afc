import { it } from 'mocha';
import assert from 'node:assert/strict';
import { signInAtPrompt } from '../support/chromium.ts';
import { prepareMellonSp } from '../support/saml/mellon-sp.ts';
import { samlInterop } from '../support/saml/interop.ts';

// mod_auth_mellon as the SP, Chromium as the user: a signed HTTP-Redirect AuthnRequest (query
// signature), transient NameID, an encrypted assertion (AES-128-CBC), attributes, single logout.

const interop = samlInterop({
  prepare: prepareMellonSp,
  users: [{ username: 'carol', password: 'tr0ub4dor&3', email: 'carol@example.test', displayName: 'Carol Danvers' }],
  saml: (sp) => ({
    serviceProviders: {
      mellon: {
        metadataXml: sp.metadataXml,
        name: 'Mellon test SP',
        encryptAssertion: true,
        encryptionAlgorithm: 'aes128-cbc',
      },
    },
  }),
  // Over plain http mellon's cookie cannot be SameSite=None (Chromium wants Secure), so it has no
  // SameSite here; Latch on 127.0.0.1 keeps the POST to the ACS same-site so the cookie comes back.
  host: '127.0.0.1',
});

it('mod_auth_mellon: signed request, encrypted assertion, transient NameID, attributes, single logout', async () => {
  const context = await interop.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${interop.sp.base}/secure/whoami.txt`);
  assert.match(page.url(), new RegExp(`^${interop.latch.url}/login\\?tx=`), interop.sp.logs());
  await signInAtPrompt(page, 'carol', 'tr0ub4dor&3');
  await page.waitForURL(`${interop.sp.base}/secure/whoami.txt`, { timeout: 15_000 }).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${page.url()}\n${await page.content()}\n${interop.sp.logs()}`);
  });
  const whoami = await context.request.get(`${interop.sp.base}/secure/whoami.txt`, { maxRedirects: 0 });
  assert.equal(whoami.status(), 200);
  assert.match(whoami.headers()['x-nameid'] ?? '', /^_[0-9a-f]{40}$/, 'mellon asks for a transient NameID');
  assert.equal(whoami.headers()['x-mail'], 'carol@example.test');
  assert.equal(whoami.headers()['x-displayname'], 'Carol Danvers');

  await page.goto(`${interop.sp.base}/mellon/logout?ReturnTo=${encodeURIComponent(`${interop.sp.base}/index.html`)}`);
  await page.waitForURL(`${interop.sp.base}/index.html`, { timeout: 15_000 }).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${page.url()}\n${await page.content()}\n${interop.sp.logs()}`);
  });
  const after = await context.request.get(`${interop.sp.base}/secure/whoami.txt`, { maxRedirects: 0 });
  assert.equal(after.status(), 303, 'signed out of mellon: redirected to the IdP again');
  await page.goto(`${interop.sp.base}/secure/whoami.txt`);
  await page.waitForSelector('#username');
  await context.close();
});
