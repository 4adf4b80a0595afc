import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { startLatchForSaml, type LatchForSaml } from '../support/saml/latch.ts';
import { prepareShibbolethSp, type ShibbolethSp } from '../support/saml/shibboleth-sp.ts';
import { tempDir } from '../support/temp.ts';

// Shibboleth SP 3 (Apache + mod_shib + shibd) as the SP, Chromium as the user: SP-initiated
// sign-in with an encrypted assertion (AES-256-GCM, RSA-OAEP), attributes, and single logout.

let temp: ReturnType<typeof tempDir>;
let sp: ShibbolethSp;
let latch: LatchForSaml;
let browser: Browser;

before(async () => {
  temp = tempDir('latch-shib-');
  sp = await prepareShibbolethSp(temp.dir);
  latch = await startLatchForSaml(temp.dir, [{ username: 'bob', password: 'battery staple', email: 'bob@example.test', displayName: 'Bob Builder', groups: ['staff'] }], {
    serviceProviders: { shibboleth: { metadataXml: sp.metadataXml, name: 'Shibboleth test SP', encryptAssertion: true, nameIdFormat: 'emailAddress', nameIdAttribute: 'email' } },
  });
  await sp.start(await (await fetch(`${latch.baseUrl}/saml2/idp/metadata`)).text(), `${latch.baseUrl}/saml2/idp/metadata`);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await sp?.stop();
  await latch?.stop();
  temp?.cleanup();
});

test('Shibboleth SP: sign-in with an encrypted assertion, attributes, and single logout', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${sp.base}/Shibboleth.sso/Login?target=${encodeURIComponent(`${sp.base}/Shibboleth.sso/Session`)}`);
  assert.match(page.url(), new RegExp(`^${latch.baseUrl}/login\\?tx=`), sp.logs());
  await page.fill('#username', 'bob');
  await page.click('button[value=submit]');
  await page.fill('#password', 'battery staple');
  await page.click('button[value=submit]');
  await page.waitForURL(`${sp.base}/Shibboleth.sso/Session`, { timeout: 15_000 }).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${page.url()}\n${await page.content()}\n${sp.logs()}`);
  });
  const session = (await page.textContent('body')) ?? '';
  assert.match(session, /Identity Provider: http:\/\/localhost:\d+\/saml2\/idp\/metadata/);
  assert.match(session, /Authentication Context Class: urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport/);
  assert.match(session, /nameid: bob@example\.test/);
  assert.match(session, /mail: bob@example\.test/);
  assert.match(session, /displayName: Bob Builder/);
  assert.match(session, /isMemberOf: staff/);

  await page.goto(`${sp.base}/Shibboleth.sso/Logout?return=${encodeURIComponent(`${sp.base}/Shibboleth.sso/Session`)}`);
  await page.waitForURL(`${sp.base}/Shibboleth.sso/Session`, { timeout: 15_000 }).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${page.url()}\n${await page.content()}\n${sp.logs()}`);
  });
  assert.match((await page.textContent('body')) ?? '', /A valid session was not found/);
  // The IdP session ended too: signing in again shows Latch's prompt.
  await page.goto(`${sp.base}/Shibboleth.sso/Login?target=${encodeURIComponent(`${sp.base}/Shibboleth.sso/Session`)}`);
  await page.waitForSelector('#username');
  await context.close();
});
