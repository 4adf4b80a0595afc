import { it } from 'mocha';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { signInAtPrompt } from '../support/chromium.ts';
import { preparePysaml2Sp } from '../support/saml/pysaml2-sp.ts';
import { samlInterop } from '../support/saml/interop.ts';

// pysaml2 (Debian's python3-pysaml2) as the SP, Chromium as the user: SP-initiated sign-in over
// HTTP-Redirect, SSO from the IdP session, ForceAuthn, IsPassive, SP-initiated single logout and
// IdP-initiated sign-in.

const interop = samlInterop({
  prepare: (dir) => preparePysaml2Sp(dir),
  users: [
    {
      username: 'alice',
      password: 'correct horse',
      email: 'alice@example.test',
      displayName: 'Alice Example',
      groups: ['staff'],
    },
  ],
  saml: (sp) => ({
    serviceProviders: {
      pysaml2: { metadataXml: sp.metadataXml, name: 'Wiki', nameIdFormat: 'emailAddress', nameIdAttribute: 'email' },
    },
  }),
});

async function signIn(page: Page, password = 'correct horse') {
  await signInAtPrompt(page, 'alice', password);
}

async function result(page: Page): Promise<Record<string, unknown>> {
  const found = await page.waitForSelector('#result, #error', { timeout: 15_000 });
  const text = (await found.textContent()) ?? '';
  if ((await found.getAttribute('id')) === 'error')
    assert.fail(`pysaml2 refused the response: ${text}\n${interop.sp.output()}`);
  return JSON.parse(text) as Record<string, unknown>;
}

it('pysaml2: SP-initiated sign-in, SSO, ForceAuthn, IsPassive, single logout and IdP-initiated sign-in through Chromium', async () => {
  const context = await interop.browser.newContext();
  const page = await context.newPage();

  await page.goto(`${interop.sp.base}/login?relay=/dashboard`);
  assert.match(page.url(), new RegExp(`^${interop.latch.url}/login\\?tx=`));
  await signIn(page);
  const first = await result(page);
  assert.equal(first.name_id, 'alice@example.test');
  assert.equal(first.name_id_format, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
  assert.equal(first.relay_state, '/dashboard');
  assert.deepEqual((first.attributes as Record<string, string[]>).mail, ['alice@example.test']);
  assert.deepEqual((first.attributes as Record<string, string[]>).displayName, ['Alice Example']);
  assert.deepEqual(first.authn_context, ['urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport']);
  assert.ok(first.in_response_to);

  // A second request is answered from the IdP session, without a prompt.
  await page.goto(`${interop.sp.base}/login?relay=/again`);
  const second = await result(page);
  assert.equal(second.name_id, 'alice@example.test');
  assert.equal(second.relay_state, '/again');

  // ForceAuthn shows the prompt again.
  await page.goto(`${interop.sp.base}/login?force=1`);
  await page.waitForURL(new RegExp(`^${interop.latch.url}/login\\?tx=`));
  await page.waitForSelector('#username, #password');

  // Single logout, started at the SP.
  await page.goto(`${interop.sp.base}/login?relay=/x`);
  await result(page);
  await page.goto(`${interop.sp.base}/logout`);
  await page.waitForSelector('#logout');
  assert.equal(await page.textContent('#logout'), 'logged out');

  // The IdP session is gone: a passive request now fails with NoPassive instead of signing in.
  await page.goto(`${interop.sp.base}/login?passive=1`);
  const refused = await page.waitForSelector('#result, #error');
  assert.equal(await refused.getAttribute('id'), 'error');
  assert.match((await refused.textContent()) ?? '', /NoPassive|Responder|status/i);

  // IdP-initiated (unsolicited) sign-in with a RelayState.
  await page.goto(
    `${interop.latch.url}/saml2/idp/init?sp=${encodeURIComponent(interop.sp.entityId)}&RelayState=${encodeURIComponent('/unsolicited')}`,
  );
  await signIn(page);
  const unsolicited = await result(page);
  assert.equal(unsolicited.name_id, 'alice@example.test');
  assert.equal(unsolicited.relay_state, '/unsolicited');
  assert.equal(unsolicited.in_response_to, null);
  await context.close();
});
