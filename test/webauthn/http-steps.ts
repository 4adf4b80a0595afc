import assert from 'node:assert/strict';
import { HttpClient, type Page } from '../support/http-client.ts';
import { SoftAuthenticator, pageOptions } from '../support/soft-authenticator.ts';
import { PASSWORD } from './browser-steps.ts';

// A browser over HTTP with software authenticators: the same pages and form posts as Chromium's,
// for tests that must forge or replay what an authenticator sends.

export const heading = (page: Page) => /<h1>([^<]*)<\/h1>/.exec(page.text)?.[1] ?? '';
export const alert = (page: Page) =>
  (/<p class="alert" role="alert"[^>]*>([^<]*)<\/p>/.exec(page.text)?.[1] ?? '')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

export function authenticators(origin: string) {
  return {
    key: new SoftAuthenticator({ origin, kind: 'roaming', userVerification: false, residentKeys: false }),
    device: new SoftAuthenticator({ origin, kind: 'platform', userVerification: true, residentKeys: true }),
  };
}

/** First sign-in under require-enrollment: password, a security key as second factor, then a passkey on the device. */
export async function enrollKeyAndPasskey(
  base: string,
  username: string,
  soft = authenticators(new URL(base).origin),
): Promise<{ browser: HttpClient; key: SoftAuthenticator; device: SoftAuthenticator }> {
  const browser = new HttpClient(base);
  const choices = await browser.submit(await passwordPage(browser, username), { password: PASSWORD });
  // A new user is offered an authenticator app first; keys are under "Other options".
  const enroll = await browser.submit(choices, { choose: 'webauthn-enroll' });
  assert.equal(heading(enroll), 'Set up a security key or this device');
  const offer = await browser.submit(enroll, {
    webauthn_response: JSON.stringify(soft.key.register(pageOptions(enroll.text))),
    name: '',
  });
  assert.equal(heading(offer), 'Sign in faster next time', alert(offer));
  const done = await browser.submit(offer, {
    webauthn_response: JSON.stringify(soft.device.register(pageOptions(offer.text))),
    name: 'Laptop',
  });
  assert.equal(heading(done), `Signed in as ${username}`, alert(done));
  await browser.post('/logout', { csrf: /name="csrf" value="([^"]+)"/.exec(done.text)![1]! });
  return { browser: new HttpClient(base), ...soft };
}

/** Up to the password page: the username, then (from the passkey page) "Other options" -> "Password". */
export async function passwordPage(browser: HttpClient, username: string): Promise<Page> {
  const page = await browser.submit(await browser.startSignIn(), { username });
  const password =
    heading(page) === 'Sign in with your passkey' ? await browser.submit(page, { choose: 'password' }, 'choose') : page;
  assert.equal(heading(password), 'Enter your password');
  return password;
}

/** Up to the passkey page after typing the username. */
export async function passkeyPage(browser: HttpClient, username: string): Promise<Page> {
  const page = await browser.submit(await browser.startSignIn(), { username });
  assert.equal(heading(page), 'Sign in with your passkey');
  return page;
}

export const signedIn = (browser: HttpClient) => browser.cookies.has('latch_session');
