import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import { HttpClient, visibleText } from '../support/http-client.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { PASSWORD } from './browser-steps.ts';
import { heading } from './http-steps.ts';

// Latch at http://127.0.0.1:<port>, where browsers refuse WebAuthn: no passkey page after the
// username, no security key among the enrollment choices, no passkey page on the account site
// (each would end in "Nothing was registered… Try again").

describe('a base URL that WebAuthn cannot use', () => {
  let latch: InProcessLatch;
  before(async () => {
    latch = await startTestLatch({
      users: [{ username: 'alice', id: 'id-alice', password: PASSWORD }],
      config: { policy: { default: { newUser: 'require-enrollment' } } },
    });
    assert.match(latch.url, /^http:\/\/127\.0\.0\.1:/);
  });
  after(() => latch?.stop());

  it('offers no WebAuthn at all: the password page after the username, enrollment without security keys, no passkey page', async () => {
    const browser = new HttpClient(latch.url);
    const afterUsername = await browser.submit(await browser.startSignIn(), { username: 'alice' });
    assert.equal(heading(afterUsername), 'Enter your password', 'no passkey page that could never work');
    const enroll = await browser.submit(afterUsername, { password: PASSWORD });
    assert.doesNotMatch(visibleText(enroll.text), /security key|this device/i);
    assert.doesNotMatch(enroll.text, /webauthn-enroll/);
    const account = await browser.get('/account/passkeys');
    assert.notEqual(account.status, 200);
  });
});
