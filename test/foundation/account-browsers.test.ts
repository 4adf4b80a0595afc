import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import { HttpClient, hiddenValue, visibleText, type Page } from '../support/http-client.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { pageOptions } from '../support/soft-authenticator.ts';
import { PASSWORD } from '../webauthn/browser-steps.ts';
import { alert, authenticators, heading, passwordPage } from '../webauthn/http-steps.ts';

// The account page lists the browsers a user signed in with (browser and system, where and when
// last used, what each may skip) and forgets one on request; it warns a user whose only factor is
// on one device. The admin console calls the same list and revoke (services.browsers).

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

describe('your browsers, on the account page', () => {
  let latch: InProcessLatch;
  let soft: ReturnType<typeof authenticators>;

  before(async () => {
    latch = await startTestLatch({
      host: 'localhost',
      users: [{ username: 'alice', id: 'id-alice', password: PASSWORD }],
      config: {
        policy: {
          default: {
            newUser: 'require-enrollment',
            passwordless: [],
            rememberDevice: { enabled: true, lifetime: '8h', scope: 'all' },
          },
        },
      },
    });
    soft = authenticators(new URL(latch.url).origin);
  });
  after(() => latch?.stop());

  const text = (page: Page) => visibleText(page.text).replace(/\s+/g, ' ');

  it('lists each browser with what it may skip, forgets one, and warns about a single factor', async () => {
    // Laptop (Chrome): enrolls a security key, ticks "this is my device" (8 hours).
    const laptop = new HttpClient(latch.url, { 'user-agent': CHROME });
    const choices = await laptop.submit(await passwordPage(laptop, 'alice'), { password: PASSWORD });
    const enroll = await laptop.submit(choices, { choose: 'webauthn-enroll' });
    assert.match(text(enroll), /don't ask for a second factor in this browser for any application for 8 hours/);
    const home = await laptop.submit(enroll, {
      webauthn_response: JSON.stringify(soft.key.register(pageOptions(enroll.text))),
      remember: 'yes',
    });
    assert.equal(heading(home), 'Signed in as alice', alert(home));
    assert.match(
      text(home),
      /Your only way to sign in besides your password is Security key \(security key\)\. If it is lost or breaks, you can't sign in without your IT help desk\. Add a second one now/,
    );

    // The laptop is remembered: after signing out, the password alone signs in there.
    await laptop.post('/logout', { csrf: /name="csrf" value="([^"]+)"/.exec(home.text)![1]! });
    const remembered = await laptop.submit(await passwordPage(laptop, 'alice'), { password: PASSWORD });
    assert.equal(heading(remembered), 'Signed in as alice', 'the cookie names the browser that was remembered');

    // Desktop (Firefox): password and the key.
    const desktop = new HttpClient(latch.url, { 'user-agent': FIREFOX });
    const key = await desktop.submit(await passwordPage(desktop, 'alice'), { password: PASSWORD });
    assert.equal(
      heading(await desktop.submit(key, { webauthn_response: JSON.stringify(soft.key.assert(pageOptions(key.text))) })),
      'Signed in as alice',
    );

    const list = await desktop.get('/account/browsers');
    assert.equal(list.status, 200);
    const listed = text(list);
    assert.match(
      listed,
      /Firefox 133 on Linux \(this browser\) Last used \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC from 127\.0\.0\.1/,
    );
    assert.match(
      listed,
      /Chrome 131 on Windows 10 Last used .* from 127\.0\.0\.1 .* Trusted for skips the second factor for every application until /,
    );
    assert.equal((await latch.services.browsers.list('id-alice')).length, 2, 'the same list for the admin console');

    // Forget the laptop from the desktop: the laptop is asked for the second factor again.
    const laptopId = /data-browser="([^"]+)">\s*<h2>Chrome/.exec(list.text)![1]!;
    const forgotten = await desktop.post('/account/browsers/forget', {
      csrf: hiddenValue(list.text, 'csrf'),
      browser: laptopId,
    });
    assert.match(text(forgotten), /Chrome 131 on Windows 10 was forgotten: it will need a full sign-in again\./);
    assert.doesNotMatch(text(forgotten), /Chrome 131 on Windows 10 Last used/);
    assert.ok((await latch.authReasons()).some((r) => r.startsWith('the user forgot Chrome 131 on Windows 10')));

    await laptop.post('/logout', { csrf: /name="csrf" value="([^"]+)"/.exec(remembered.text)![1]! });
    const again = await laptop.submit(await passwordPage(laptop, 'alice'), { password: PASSWORD });
    assert.equal(heading(again), 'Use your security key or this device', 'no longer remembered');

    const unknown = await desktop.post('/account/browsers/forget', {
      csrf: hiddenValue(list.text, 'csrf'),
      browser: 'nope',
    });
    assert.equal(unknown.status, 404);
    assert.match(text(unknown), /That browser is not in your list/);
  });

  it('a signed-out browser opening the page is sent to sign in; a form posted without a session is refused', async () => {
    const stranger = new HttpClient(latch.url, { 'user-agent': CHROME });
    const page = await stranger.request('/account/browsers');
    assert.equal(page.status, 302);
    assert.equal(page.headers.get('location'), '/account/sign-in');
    const before = await latch.services.browsers.list('id-alice');
    const forged = await stranger.post('/account/browsers/forget', { csrf: 'x', browser: before[0]!.id });
    assert.equal(forged.status, 401);
    assert.match(text(forged), /Sign in first/);
    assert.deepEqual(await latch.services.browsers.list('id-alice'), before, 'nothing forgotten');
  });
});
