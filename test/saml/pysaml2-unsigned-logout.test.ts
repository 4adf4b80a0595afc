import { it } from 'mocha';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { signInAtPrompt } from '../support/chromium.ts';
import { preparePysaml2Sp } from '../support/saml/pysaml2-sp.ts';
import { samlInterop } from '../support/saml/interop.ts';

// pysaml2 as an SP without a signing certificate, so its LogoutRequests are unsigned, and Chromium
// as the user: Latch asks the user before ending the session; declining keeps it (and pysaml2
// hears that the logout failed), confirming ends it (and pysaml2 gets its LogoutResponse).

const interop = samlInterop({
  prepare: (dir) => preparePysaml2Sp(dir, 'pysaml2', { unsignedLogout: true }),
  users: [
    { username: 'frank', password: 'unsigned logout', email: 'frank@example.test', displayName: 'Frank Example' },
  ],
  saml: (sp) => ({ serviceProviders: { pysaml2: { metadataXml: sp.metadataXml, name: 'Team wiki' } } }),
});

async function spPage(page: Page, selector: string): Promise<{ id: string | null; text: string }> {
  const found = await page.waitForSelector(selector, { timeout: 15_000 });
  return { id: await found.getAttribute('id'), text: (await found.textContent()) ?? '' };
}

async function signedInAtSp(page: Page): Promise<void> {
  const shown = await spPage(page, '#result, #error');
  assert.equal(shown.id, 'result', `${shown.text}\n${interop.sp.output()}`);
}

it('pysaml2 without a signing key: unsigned single logout asks the user, and only their yes ends the session', async () => {
  const context = await interop.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${interop.sp.base}/login`);
  await signInAtPrompt(page, 'frank', 'unsigned logout');
  await signedInAtSp(page);

  // "Stay signed in": pysaml2 is told the logout failed, and Latch's session goes on.
  await page.goto(`${interop.sp.base}/logout`);
  await page.waitForSelector('text=Sign out of Latch?');
  assert.ok(page.url().startsWith(`${interop.latch.url}/saml2/idp/slo/confirm?request=`), page.url());
  assert.match((await page.textContent('main')) ?? '', /Team wiki asks to sign you out of Latch/);
  await page.click('button[value="stay"]');
  const declined = await spPage(page, '#logout, #error');
  assert.notEqual(declined.text, 'logged out', interop.sp.output());
  await page.goto(`${interop.sp.base}/login?passive=1`);
  await signedInAtSp(page);

  // "Sign out": the session ends and pysaml2 gets its LogoutResponse.
  await page.goto(`${interop.sp.base}/logout`);
  await page.waitForSelector('text=Sign out of Latch?');
  await page.click('button[value="logout"]');
  const confirmed = await spPage(page, '#logout, #error');
  assert.equal(confirmed.text, 'logged out', interop.sp.output());
  await page.goto(`${interop.sp.base}/login?passive=1`);
  const refused = await spPage(page, '#result, #error');
  assert.equal(refused.id, 'error', 'the IdP session is gone: a passive request is refused');
  assert.match(refused.text, /NoPassive|Responder|status/i);
  await context.close();
});
