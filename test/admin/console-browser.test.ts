import { it } from 'mocha';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { preparePysaml2Sp } from '../support/saml/pysaml2-sp.ts';
import { samlInterop } from '../support/saml/interop.ts';
import { totpCode } from '../support/passcodes.ts';
import { scratchDir } from '../support/temp.ts';
import { PASSWORD, enterPassword, enterUsername, heading, signOut, waitForHeading } from '../webauthn/browser-steps.ts';
import { addAuthenticator } from '../webauthn/virtual-authenticator.ts';

// The operators' console in real Chromium: an owner signs in with a second factor and adds a real
// SAML SP (pysaml2) by uploading its metadata, and a user signs in to it at once, without a
// restart; a help-desk administrator removes a user's passkey and the user falls back to the
// password and the authenticator app; the help desk filters the authentication log and exports it.

const ADMIN_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const user = (username: string, groups: string[] = []) => ({
  username,
  password: PASSWORD,
  displayName: username,
  email: `${username}@example.test`,
  groups,
});

const interop = samlInterop({
  prepare: (dir) => preparePysaml2Sp(dir),
  users: [user('olivia'), user('hana', ['service-desk']), user('alice', ['staff']), user('bob', ['new-staff'])],
  saml: () => ({}),
  config: () => ({
    admin: { users: { olivia: 'owner' }, groups: { 'service-desk': 'help-desk' } },
    policy: { default: {}, groups: [{ group: 'new-staff', newUser: 'require-enrollment' }] },
  }),
});

/** At Latch's prompt after the password: the app's code, then "Skip for now" if a passkey is offered. */
async function passcodeThenSkip(page: Page, secret: string, steps = 0): Promise<void> {
  await waitForHeading(page, 'Enter a passcode');
  await page.getByLabel('Passcode').fill(totpCode(secret, steps));
  await page.getByRole('button', { name: 'Verify' }).click();
  const offer = page.getByRole('heading', { name: 'Sign in faster next time' });
  await offer.or(page.locator('nav[aria-label=Console], h1:has-text("Signed in as")')).first().waitFor();
  if (await offer.isVisible()) await page.getByRole('button', { name: 'Skip for now' }).click();
}

async function consoleSignIn(page: Page, username: string): Promise<void> {
  const first = await page.goto(`${interop.latch.url}/admin/`);
  assert.match(page.url(), /\/login\?tx=/, 'the console asks who is there');
  assert.ok(first);
  await enterUsername(page, username);
  await enterPassword(page);
  await passcodeThenSkip(page, ADMIN_SECRET);
  await waitForHeading(page, 'Overview');
}

it('console: an owner adds a SAML SP from its metadata file and a user signs in to it without a restart; help desk removes a passkey and exports the log', async () => {
  const { latch, sp, browser } = interop;
  for (const admin of ['id-olivia', 'id-hana'])
    await latch.services.passcodes.credentials.addApp(admin, `app-${admin}`, ADMIN_SECRET, 0);
  const metadataFile = path.join(scratchDir('latch-console-'), 'pysaml2-sp.xml');
  writeFileSync(metadataFile, sp.metadataXml);

  // The owner: MFA, then the application form with the metadata file.
  const owner = await browser.newContext();
  const ownerPage = await owner.newPage();
  await consoleSignIn(ownerPage, 'olivia');
  const overview = await ownerPage.goto(`${latch.url}/admin/`);
  assert.match(overview?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
  assert.doesNotMatch(await ownerPage.content(), /<script/i, 'no script on console pages');
  await ownerPage.getByRole('link', { name: 'Applications' }).click();
  await ownerPage.getByLabel('Key').fill('wiki');
  await ownerPage.getByLabel('Name shown to users').first().fill('Team wiki');
  await ownerPage.getByLabel('Metadata file').setInputFiles(metadataFile);
  await ownerPage.getByRole('button', { name: 'Add service provider' }).click();
  await waitForHeading(ownerPage, 'Done');
  assert.match(
    (await ownerPage.locator('[role=status]').textContent()) ?? '',
    new RegExp(`Added Team wiki \\(${sp.entityId}\\)`),
  );

  // Its options and policy, edited in forms validated as the config file is.
  await ownerPage.goto(`${latch.url}/admin/applications`);
  await ownerPage.getByRole('link', { name: 'Team wiki' }).click();
  await ownerPage.getByLabel(/^Options/).fill('{ name: Team wiki, nameIdFormat: email }');
  await ownerPage.getByRole('button', { name: 'Save options' }).click();
  await waitForHeading(ownerPage, 'Not changed');
  assert.match(
    (await ownerPage.getByRole('listitem').filter({ hasText: 'nameIdFormat' }).textContent()) ?? '',
    /nameIdFormat: expected unspecified, emailAddress, persistent or transient/,
  );
  await ownerPage.goto(`${latch.url}/admin/policies`);
  await ownerPage.getByLabel(/^Application \(/).fill('wiki');
  await ownerPage.getByLabel(/^Its layer/).fill('{ groups: [{ group: staff, newUser: deny }] }');
  await ownerPage.getByRole('button', { name: "Save the application's policy" }).click();
  await waitForHeading(ownerPage, 'Done');
  await ownerPage.goto(`${latch.url}/admin/policies?user=alice&app=wiki`);
  assert.match(
    (await ownerPage.locator('tr', { hasText: 'newUser' }).textContent()) ?? '',
    /"deny".*application .* group staff/,
  );
  await ownerPage.getByLabel(/^Application \(/).fill('wiki');
  await ownerPage.getByLabel(/^Its layer/).fill('{}');
  await ownerPage.getByRole('button', { name: "Save the application's policy" }).click();
  await waitForHeading(ownerPage, 'Done');

  // The owner turns passwordless off and on again (owners only; the page says what it changes).
  await ownerPage.goto(`${latch.url}/admin/policies`);
  assert.match((await ownerPage.textContent('main')) ?? '', /nobody can sign in with a passkey or the phone alone/);
  await ownerPage.getByRole('button', { name: 'Turn passwordless off' }).click();
  await waitForHeading(ownerPage, 'Done');
  await ownerPage.goto(`${latch.url}/admin/policies`);
  await ownerPage.getByRole('button', { name: 'Turn passwordless on' }).click();
  await waitForHeading(ownerPage, 'Done');
  // A form posted without the session's CSRF token (another site's) changes nothing.
  const forged = await ownerPage.request.post(`${latch.url}/admin/policies/passwordless`, {
    form: { csrf: 'forged', passwordless: 'off' },
  });
  assert.equal(forged.status(), 403);
  assert.equal((await latch.services.consolePolicy.store.get()).passwordless, 'allowed');
  await owner.close();

  // A user signs in to the new SP at once, SP-initiated.
  const alice = await browser.newContext();
  const alicePage = await alice.newPage();
  await alicePage.goto(`${sp.base}/login?relay=/start`);
  await enterUsername(alicePage, 'alice');
  await enterPassword(alicePage);
  const result = await alicePage.waitForSelector('#result, #error', { timeout: 15_000 });
  assert.equal(
    await result.getAttribute('id'),
    'result',
    `pysaml2: ${(await result.textContent()) ?? ''}\n${sp.output()}`,
  );
  assert.equal((JSON.parse((await result.textContent()) ?? '{}') as { relay_state: string }).relay_state, '/start');
  // Alice is no administrator: the console needs a second factor first, and a role.
  await alicePage.goto(`${latch.url}/admin/`);
  await enterUsername(alicePage, 'alice');
  await enterPassword(alicePage);
  await alicePage.waitForLoadState();
  assert.match(
    (await alicePage.textContent('main')) ?? '',
    /Latch console needs a stronger sign-in than your account can give\./,
  );
  await alice.close();

  // Bob enrolls an authenticator app and a passkey on his device.
  const bob = await browser.newContext();
  const bobPage = await bob.newPage();
  await bobPage.goto(`${latch.url}/account/sign-in`);
  await enterUsername(bobPage, 'bob');
  await enterPassword(bobPage);
  await waitForHeading(bobPage, 'Set up an authenticator app');
  const bobSecret = ((await bobPage.locator('#totp-secret').textContent()) ?? '').replace(/\s/g, '');
  await bobPage.getByLabel('Code from the app').fill(totpCode(bobSecret));
  await bobPage.getByRole('button', { name: 'Verify and continue' }).click();
  await waitForHeading(bobPage, 'Sign in faster next time');
  const device = await addAuthenticator(bobPage, 'platform');
  await bobPage.getByRole('button', { name: 'Continue' }).click();
  await waitForHeading(bobPage, 'Signed in as bob');
  await signOut(bobPage, latch.url);

  // The help desk removes the passkey, after a confirmation that says what happens.
  const desk = await browser.newContext();
  const deskPage = await desk.newPage();
  await consoleSignIn(deskPage, 'hana');
  assert.equal(
    await deskPage.getByRole('link', { name: 'Applications' }).count(),
    0,
    'the help desk has no applications page',
  );
  await deskPage.getByRole('link', { name: 'Users' }).click();
  await deskPage.getByRole('link', { name: 'Username' }).click();
  await deskPage.waitForURL(/order=desc/);
  assert.equal(await deskPage.locator('th[aria-sort]').getAttribute('aria-sort'), 'descending');
  assert.deepEqual(
    await deskPage.locator('tbody td:first-child').allTextContents(),
    ['olivia', 'hana', 'bob', 'alice'],
    'sorted on the server',
  );
  await deskPage.getByLabel('Name or email').fill('bob');
  await deskPage.keyboard.press('Enter');
  await deskPage.getByRole('link', { name: 'bob', exact: true }).click();
  await waitForHeading(deskPage, 'bob');
  const passkeyRow = deskPage.locator('tr', { hasText: '(passwordless)' });
  await passkeyRow.getByRole('link', { name: /^Remove/ }).click();
  assert.match(await heading(deskPage), /^Remove .* from bob\?$/);
  assert.match(
    (await deskPage.locator('.notice').textContent()) ?? '',
    /bob will no longer sign in with .* without a password: they will sign in with their password and another second factor\./,
  );
  await deskPage.getByRole('button', { name: 'Confirm' }).click();
  await waitForHeading(deskPage, 'Done');
  assert.deepEqual(
    (await latch.credentialsOf('id-bob')).filter((c) => c.passwordless),
    [],
  );

  // Bob falls back to his password and the app.
  await bobPage.goto(`${latch.url}/account/sign-in`);
  await enterUsername(bobPage, 'bob');
  await enterPassword(bobPage);
  await passcodeThenSkip(bobPage, bobSecret, 1);
  await waitForHeading(bobPage, 'Signed in as bob');
  assert.equal((await device.credentials()).length, 1, 'the device still holds the passkey Latch no longer accepts');
  await bob.close();

  // The overview counts what happened.
  await deskPage.goto(`${latch.url}/admin/`);
  const figures = (await deskPage.textContent('main')) ?? '';
  const signIns = /Last 24 hours\s*(\d+) sign-ins, (\d+) failures/.exec(figures);
  assert.ok(signIns && Number(signIns[1]) >= 4 && Number(signIns[2]) >= 1, figures);
  assert.match(figures, new RegExp(`23h ago 0, .*, 0h ago ${signIns[1]}\\n`), 'this hour is the last bar');
  assert.match(figures, /3 of 4 have a second factor; 0 have passwordless sign-in\./);
  assert.equal(await deskPage.locator('svg[role=img]').count(), 2, 'two charts, with text equivalents');

  // The help desk filters the log to bob's sign-ins and exports the view as CSV.
  await deskPage.goto(`${latch.url}/admin/log`);
  await deskPage.getByLabel('User').fill('bob');
  await deskPage.getByLabel('Result').fill('success');
  await deskPage.getByRole('button', { name: 'Filter' }).click();
  const rows = deskPage.locator('tbody tr');
  assert.ok((await rows.count()) >= 2);
  for (const text of await rows.allTextContents()) assert.match(text, /bob/);
  const [download] = await Promise.all([
    deskPage.waitForEvent('download'),
    deskPage.getByRole('link', { name: 'CSV' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'latch-auth-log.csv');
  const lines = readFileSync((await download.path())!, 'utf8')
    .trim()
    .split('\r\n');
  assert.equal(lines[0], 'Time,User,Application,Event,Result,Reason,Methods,Authenticators,IP,User Agent');
  assert.equal(lines.length - 1, await rows.count(), 'the export holds the filtered view');
  assert.ok(
    lines.slice(1).every((l) => /^20\d\d-[^,]+,bob,/.test(l) && l.includes(',success,')),
    lines.join('\n'),
  );
  assert.ok(
    lines.some((l) => /sign-in,success,.*passcode/.test(l)),
    lines.join('\n'),
  );
  await desk.close();
}).timeout(180_000);
