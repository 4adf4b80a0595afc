import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { nextUnlessOnePage } from '../support/chromium.ts';
import { addAuthenticator, type VirtualAuthenticator } from './virtual-authenticator.ts';

// What a person does at Latch's prompt in these tests, found by visible labels and headings.

export const PASSWORD = 'correct horse battery staple';

export async function heading(page: Page): Promise<string> {
  return ((await page.locator('h1').textContent()) ?? '').trim();
}

/** Waits until the page's heading is `text` (after a navigation the script started). */
export async function waitForHeading(page: Page, text: string | RegExp): Promise<void> {
  await page.getByRole('heading', { name: text }).waitFor();
}

/** The username, then "Next" (where the first page asks for the password too, enterPassword fills it there). */
export async function enterUsername(page: Page, username: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await nextUnlessOnePage(page);
}

/** The password, from the password page or (after the username) the passkey page's "Other options". */
export async function enterPassword(page: Page): Promise<void> {
  const password = page.getByLabel('Password');
  const passkeyPage = page.getByRole('heading', { name: 'Sign in with your passkey' });
  await password.or(passkeyPage).waitFor();
  if (await passkeyPage.isVisible()) await choosePassword(page);
  await password.fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** On the passkey page (shown after every username): "Use your password instead". */
export async function choosePassword(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Use your password instead' }).click();
  await waitForHeading(page, 'Enter your password');
}

/**
 * After a passwordless sign-in where policy remembers browsers: "Remember this browser?", answered
 * with the button named `answer` ("Yes, this is my device" or "No").
 */
export async function answerRememberBrowser(page: Page, answer: 'Yes, this is my device' | 'No'): Promise<void> {
  await waitForHeading(page, 'Remember this browser?');
  await page.getByRole('button', { name: answer, exact: true }).click();
}

export async function signOut(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'You have signed out' }).waitFor();
}

export async function alertText(page: Page): Promise<string> {
  return ((await page.getByRole('alert').textContent()) ?? '').trim();
}

/**
 * A new user's first sign-in under "require-enrollment": password, a plain security key as the
 * second factor, then "Sign in faster" registers a passkey on this device. Chromium's virtual
 * environment sends a registration to every authenticator and a plain key that cannot keep a
 * passkey fails the whole request, so the key is unplugged before the passkey is made.
 */
export async function enrollKeyThenPasskey(
  page: Page,
  base: string,
  username: string,
  options: { remember?: boolean } = {},
): Promise<{ key: VirtualAuthenticator; device: VirtualAuthenticator }> {
  const key = await addAuthenticator(page, 'roaming');
  await page.goto(`${base}/account/sign-in`);
  await enterUsername(page, username);
  await enterPassword(page);
  await chooseKeyEnrollment(page);
  if (options.remember) await page.getByLabel(/Yes, this is my device/).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await waitForHeading(page, 'Sign in faster next time');
  await key.remove();
  const device = await addAuthenticator(page, 'platform');
  assert.equal(
    await page.getByLabel(/^Name/).inputValue(),
    'Chrome on Linux',
    'the name defaults to the browser and system',
  );
  await page.getByRole('button', { name: 'Continue' }).click();
  await waitForHeading(page, /^Signed in as /);
  return { key, device };
}

/** A new user is offered an authenticator app first; a security key is under "Other options". */
export async function chooseKeyEnrollment(page: Page): Promise<void> {
  await page.getByText('Other options').click();
  await page.getByRole('button', { name: 'Set up a security key or this device' }).click();
  await waitForHeading(page, 'Set up a security key or this device');
}
