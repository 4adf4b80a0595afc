import { it } from 'mocha';
import assert from 'node:assert/strict';
import { signInAtPrompt } from '../support/chromium.ts';
import { prepareShibbolethSp } from '../support/saml/shibboleth-sp.ts';
import { samlInterop } from '../support/saml/interop.ts';

// Shibboleth SP 3 (Apache + mod_shib + shibd) as the SP, Chromium as the user: SP-initiated
// sign-in with an encrypted assertion (AES-256-GCM, RSA-OAEP), attributes, and single logout.

const interop = samlInterop({
  prepare: prepareShibbolethSp,
  users: [
    {
      username: 'bob',
      password: 'battery staple',
      email: 'bob@example.test',
      displayName: 'Bob Builder',
      groups: ['staff'],
    },
  ],
  saml: (sp) => ({
    serviceProviders: {
      shibboleth: {
        metadataXml: sp.metadataXml,
        name: 'Shibboleth test SP',
        encryptAssertion: true,
        nameIdFormat: 'emailAddress',
        nameIdAttribute: 'email',
      },
    },
  }),
});

it('Shibboleth SP: sign-in with an encrypted assertion, attributes, and single logout', async () => {
  const context = await interop.browser.newContext();
  const page = await context.newPage();
  await page.goto(
    `${interop.sp.base}/Shibboleth.sso/Login?target=${encodeURIComponent(`${interop.sp.base}/Shibboleth.sso/Session`)}`,
  );
  assert.match(page.url(), new RegExp(`^${interop.latch.url}/login\\?tx=`), interop.sp.logs());
  await signInAtPrompt(page, 'bob', 'battery staple');
  await page.waitForURL(`${interop.sp.base}/Shibboleth.sso/Session`, { timeout: 15_000 }).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${page.url()}\n${await page.content()}\n${interop.sp.logs()}`);
  });
  const session = (await page.textContent('body')) ?? '';
  assert.match(session, /Identity Provider: http:\/\/localhost:\d+\/saml2\/idp\/metadata/);
  assert.match(
    session,
    /Authentication Context Class: urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport/,
  );
  assert.match(session, /nameid: bob@example\.test/);
  assert.match(session, /mail: bob@example\.test/);
  assert.match(session, /displayName: Bob Builder/);
  assert.match(session, /isMemberOf: staff/);

  await page.goto(
    `${interop.sp.base}/Shibboleth.sso/Logout?return=${encodeURIComponent(`${interop.sp.base}/Shibboleth.sso/Session`)}`,
  );
  await page.waitForURL(`${interop.sp.base}/Shibboleth.sso/Session`, { timeout: 15_000 }).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${page.url()}\n${await page.content()}\n${interop.sp.logs()}`);
  });
  assert.match((await page.textContent('body')) ?? '', /A valid session was not found/);
  // The IdP session ended too: signing in again shows Latch's prompt.
  await page.goto(
    `${interop.sp.base}/Shibboleth.sso/Login?target=${encodeURIComponent(`${interop.sp.base}/Shibboleth.sso/Session`)}`,
  );
  await page.waitForSelector('#username');
  await context.close();
});
