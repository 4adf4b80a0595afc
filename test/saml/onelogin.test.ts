import { it } from 'mocha';
import assert from 'node:assert/strict';
import { signInAtPrompt } from '../support/chromium.ts';
import { preparePysaml2Sp } from '../support/saml/pysaml2-sp.ts';
import { samlInterop } from '../support/saml/interop.ts';

// python3-saml (OneLogin) as the SP, Chromium as the user: a signed HTTP-Redirect AuthnRequest
// that Latch must verify (the SP's metadata says AuthnRequestsSigned), a persistent pairwise
// NameID with its qualifiers, SP-initiated single logout and logout started from Latch's sign-out. It runs in strict mode, so it checks
// Destination, Recipient, Audience, InResponseTo and both signatures itself.

const interop = samlInterop({
  prepare: (dir) => preparePysaml2Sp(dir, 'onelogin'),
  users: [{ username: 'dave', password: 'open sesame', email: 'dave@example.test', displayName: 'Dave Example' }],
  saml: (sp) => ({ serviceProviders: { onelogin: { metadataXml: sp.metadataXml, nameIdFormat: 'persistent' } } }),
});

it('python3-saml: signed request, persistent NameID, attributes and single logout', async () => {
  const context = await interop.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${interop.sp.base}/login?relay=/reports`);
  assert.match(page.url(), new RegExp(`^${interop.latch.url}/login\\?tx=`), interop.sp.output());
  await signInAtPrompt(page, 'dave', 'open sesame');
  const found = await page.waitForSelector('#result, #error', { timeout: 15_000 });
  const text = (await found.textContent()) ?? '';
  assert.equal(await found.getAttribute('id'), 'result', `${text}\n${interop.sp.output()}`);
  const result = JSON.parse(text) as Record<string, unknown>;
  assert.equal(result.name_id_format, 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
  assert.match(String(result.name_id), /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(result.name_id, 'dave');
  assert.equal(result.name_qualifier, `${interop.latch.url}/saml2/idp/metadata`);
  assert.equal(result.sp_name_qualifier, interop.sp.entityId);
  assert.equal(result.relay_state, '/reports');
  assert.deepEqual((result.attributes as Record<string, string[]>)['urn:oid:0.9.2342.19200300.100.1.3'], [
    'dave@example.test',
  ]);

  await page.goto(`${interop.sp.base}/logout`);
  const done = await page.waitForSelector('#logout, #error', { timeout: 15_000 });
  assert.equal(await done.textContent(), 'logged out', interop.sp.output());

  // Sign in again, then sign out at Latch: Latch sends the SP a LogoutRequest and shows "signed out".
  await page.goto(`${interop.sp.base}/login`);
  await signInAtPrompt(page, 'dave', 'open sesame');
  await page.waitForSelector('#result');
  await page.goto(`${interop.sp.base}/whoami`);
  assert.equal(await page.textContent('#whoami'), result.name_id, 'the persistent NameID is stable');
  await page.goto(`${interop.latch.url}/`);
  await page.click('form[action="/logout"] button');
  await page.waitForSelector('text=You have signed out', { timeout: 15_000 });
  assert.ok(page.url().startsWith(`${interop.latch.url}/saml2/idp/slo?`), page.url());
  await page.goto(`${interop.sp.base}/whoami`);
  assert.equal(await page.textContent('#whoami'), 'nobody', interop.sp.output());
  await context.close();
});
