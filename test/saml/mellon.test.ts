import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { startLatchForSaml, type LatchForSaml } from '../support/saml/latch.ts';
import { prepareMellonSp, type MellonSp } from '../support/saml/mellon-sp.ts';
import { tempDir } from '../support/temp.ts';

// mod_auth_mellon as the SP, Chromium as the user: a signed HTTP-Redirect AuthnRequest (query
// signature), transient NameID, an encrypted assertion (AES-128-CBC), attributes, single logout.

let temp: ReturnType<typeof tempDir>;
let sp: MellonSp;
let latch: LatchForSaml;
let browser: Browser;

before(async () => {
  temp = tempDir('latch-mellon-');
  sp = await prepareMellonSp(temp.dir);
  // Over plain http mellon's cookie cannot be SameSite=None (Chromium wants Secure), so it has no
  // SameSite here; Latch on 127.0.0.1 keeps the POST to the ACS same-site so the cookie comes back.
  latch = await startLatchForSaml(temp.dir, [{ username: 'carol', password: 'tr0ub4dor&3', email: 'carol@example.test', displayName: 'Carol Danvers' }], {
    serviceProviders: { mellon: { metadataXml: sp.metadataXml, name: 'Mellon test SP', encryptAssertion: true, encryptionAlgorithm: 'aes128-cbc' } },
  }, '127.0.0.1');
  await sp.start(await (await fetch(`${latch.baseUrl}/saml2/idp/metadata`)).text());
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await sp?.stop();
  await latch?.stop();
  temp?.cleanup();
});

test('mod_auth_mellon: signed request, encrypted assertion, transient NameID, attributes, single logout', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${sp.base}/secure/whoami.txt`);
  assert.match(page.url(), new RegExp(`^${latch.baseUrl}/login\\?tx=`), sp.logs());
  await page.fill('#username', 'carol');
  await page.click('button[value=submit]');
  await page.fill('#password', 'tr0ub4dor&3');
  await page.click('button[value=submit]');
  await page.waitForURL(`${sp.base}/secure/whoami.txt`, { timeout: 15_000 }).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${page.url()}\n${await page.content()}\n${sp.logs()}`);
  });
  const whoami = await context.request.get(`${sp.base}/secure/whoami.txt`, { maxRedirects: 0 });
  assert.equal(whoami.status(), 200);
  assert.match(whoami.headers()['x-nameid'] ?? '', /^_[0-9a-f]{40}$/, 'mellon asks for a transient NameID');
  assert.equal(whoami.headers()['x-mail'], 'carol@example.test');
  assert.equal(whoami.headers()['x-displayname'], 'Carol Danvers');

  await page.goto(`${sp.base}/mellon/logout?ReturnTo=${encodeURIComponent(`${sp.base}/index.html`)}`);
  await page.waitForURL(`${sp.base}/index.html`, { timeout: 15_000 }).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${page.url()}\n${await page.content()}\n${sp.logs()}`);
  });
  const after = await context.request.get(`${sp.base}/secure/whoami.txt`, { maxRedirects: 0 });
  assert.equal(after.status(), 303, 'signed out of mellon: redirected to the IdP again');
  await page.goto(`${sp.base}/secure/whoami.txt`);
  await page.waitForSelector('#username');
  await context.close();
});
