import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import { HttpClient, type Page } from '../support/http-client.ts';
import { startTestLatch, type InProcessLatch, type TestUser } from '../support/latch.ts';
import { SoftAuthenticator, pageOptions } from '../support/soft-authenticator.ts';
import { PASSWORD } from './browser-steps.ts';
import { alert, authenticators, heading, passwordPage } from './http-steps.ts';

// The passkey offer is per browser, not per user: a passkey on one laptop does not stop the offer on
// the next, "Skip for now" hides it in one browser only, and the browser that holds the passkey is
// not asked again. Browsers here are HTTP clients with their own cookies that report a platform
// authenticator, as the prompt's script does.

const user = (username: string): TestUser => ({
  username,
  id: `id-${username}`,
  password: PASSWORD,
  displayName: username,
});
const REPORT = { platform_authenticator: 'yes' };

describe('the passkey offer, browser by browser', () => {
  let latch: InProcessLatch;
  let origin: string;
  let soft: ReturnType<typeof authenticators>;

  before(async () => {
    latch = await startTestLatch({
      host: 'localhost',
      users: [user('alice')],
      config: { policy: { default: { newUser: 'require-enrollment' } } },
    });
    origin = new URL(latch.url).origin;
    soft = authenticators(origin);
  });
  after(() => latch?.stop());

  /** Password, then the security key as the second factor: the page that follows. */
  async function passwordAndKey(browser: HttpClient): Promise<Page> {
    const key = await browser.submit(await passwordPage(browser, 'alice'), { password: PASSWORD, ...REPORT });
    assert.equal(heading(key), 'Use your security key or this device', alert(key));
    return browser.submit(key, {
      webauthn_response: JSON.stringify(soft.key.assert(pageOptions(key.text))),
      ...REPORT,
    });
  }

  /** The account page's "Sign out", so the same browser can sign in again. */
  async function signOut(browser: HttpClient, account: Page): Promise<void> {
    assert.equal(heading(account), 'Signed in as alice', alert(account));
    await browser.post('/logout', { csrf: /name="csrf" value="([^"]+)"/.exec(account.text)![1]! });
  }

  it("a passkey on one laptop: the next browser is offered one, Skip hides it there only, and the passkey's own browser is not asked", async () => {
    // Laptop: the key as second factor at the first sign-in, then a passkey on the laptop.
    const laptopDevice = new SoftAuthenticator({
      origin,
      kind: 'platform',
      userVerification: true,
      residentKeys: true,
    });
    const laptop = new HttpClient(latch.url);
    const choices = await laptop.submit(await passwordPage(laptop, 'alice'), { password: PASSWORD, ...REPORT });
    const enroll = await laptop.submit(choices, { choose: 'webauthn-enroll' });
    const offer = await laptop.submit(enroll, {
      webauthn_response: JSON.stringify(soft.key.register(pageOptions(enroll.text))),
      ...REPORT,
    });
    assert.equal(heading(offer), 'Sign in faster next time');
    const done = await laptop.submit(offer, {
      webauthn_response: JSON.stringify(laptopDevice.register(pageOptions(offer.text))),
      name: 'Laptop',
    });
    await signOut(laptop, done);

    // The laptop again: its passkey is there, so no offer.
    await signOut(laptop, await passwordAndKey(laptop));

    // A second laptop: offered, although alice has a passkey (on the first one).
    const second = new HttpClient(latch.url);
    const secondOffer = await passwordAndKey(second);
    assert.equal(heading(secondOffer), 'Sign in faster next time', 'a passkey on another laptop does not count here');
    await signOut(second, await second.submit(secondOffer, { skip: 'yes' }));

    // Skipped on the second laptop: not asked there again, but a third browser still is.
    await signOut(second, await passwordAndKey(second));
    assert.equal(
      heading(await passwordAndKey(new HttpClient(latch.url))),
      'Sign in faster next time',
      'Skip in one browser does not hide the offer in another',
    );
  });
});
