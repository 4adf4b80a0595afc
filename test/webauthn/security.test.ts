import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'mocha';
import { HttpClient, hiddenValue } from '../support/http-client.ts';
import { SoftAuthenticator, pageOptions } from '../support/soft-authenticator.ts';
import { PASSWORD } from './browser-steps.ts';
import {
  alert,
  authenticators,
  enrollKeyAndPasskey,
  heading,
  passkeyPage,
  passwordPage,
  signedIn,
} from './http-steps.ts';
import { startTestLatch, type InProcessLatch, type TestUser } from '../support/latch.ts';

// Attacks on Latch's WebAuthn, with a software authenticator over HTTP. Each one checks what the
// user is told and that nothing changed: no session, no credential added, sign counter unchanged.

const CHALLENGE_LIFETIME_MS = 1500;
const user = (username: string, groups: string[] = []): TestUser => ({
  username,
  id: `id-${username}`,
  password: PASSWORD,
  groups,
});
const USERS = [user('alice'), user('bob'), user('carol', ['platform-only']), user('dave'), user('erin')];
// Every refusal on the passkey page reads the same (whose passkeys exist is nobody's business);
// the authentication log says what was wrong.
const NOT_ACCEPTED = 'No passkey was accepted. Use another way to sign in.';

describe('WebAuthn security', () => {
  let latch: InProcessLatch;
  let origin: string;

  before(async () => {
    latch = await startTestLatch({
      host: 'localhost',
      users: USERS,
      config: {
        webauthn: { timeout: '1s', challengeLifetime: `${CHALLENGE_LIFETIME_MS}ms`, signCounterRegression: 'refuse' },
        policy: {
          default: { newUser: 'require-enrollment' },
          groups: [{ group: 'platform-only', passwordless: ['platform'] }],
        },
      },
    });
    origin = new URL(latch.url).origin;
  });

  after(async () => {
    await latch?.stop();
  });

  const counterOf = async (userId: string) => (await latch.credentialsOf(userId)).find((c) => c.passwordless)!.counter;

  /** Posts an assertion on the passkey page and checks it was refused (`reason` in the log), on to the password, and changed nothing. */
  async function assertRefused(
    browser: HttpClient,
    page: Awaited<ReturnType<typeof passkeyPage>>,
    response: unknown,
    reason: RegExp,
    userId: string,
    counter: number,
  ) {
    const after = await browser.submit(page, { webauthn_response: JSON.stringify(response) });
    assert.equal(alert(after), NOT_ACCEPTED);
    assert.equal(heading(after), 'Enter your password', 'on to the password');
    assert.equal(signedIn(browser), false, 'no session');
    assert.equal(await counterOf(userId), counter, 'sign counter unchanged');
    assert.match((await latch.authReasons())[0]!, reason);
  }

  let alice: Awaited<ReturnType<typeof enrollKeyAndPasskey>>;
  let bob: Awaited<ReturnType<typeof enrollKeyAndPasskey>>;

  it('a passkey signs in by username over HTTP, and the counter follows', async () => {
    alice = await enrollKeyAndPasskey(latch.url, 'alice');
    bob = await enrollKeyAndPasskey(latch.url, 'bob');
    const page = await passkeyPage(alice.browser, 'alice');
    const done = await alice.browser.submit(page, {
      webauthn_response: JSON.stringify(alice.device.assert(pageOptions(page.text))),
    });
    assert.equal(heading(done), 'Signed in as alice');
    assert.match(done.text, /with passkey/);
    assert.equal(await counterOf('id-alice'), 1);
  });

  it('a challenge is single use: a replayed assertion is refused in a new sign-in', async () => {
    const first = new HttpClient(latch.url);
    const page = await passkeyPage(first, 'alice');
    const response = alice.device.assert(pageOptions(page.text));
    assert.equal(
      heading(await first.submit(page, { webauthn_response: JSON.stringify(response) })),
      'Signed in as alice',
    );
    const counter = await counterOf('id-alice');
    const attacker = new HttpClient(latch.url);
    await assertRefused(
      attacker,
      await passkeyPage(attacker, 'alice'),
      response,
      /challenge unknown, expired, already used/,
      'id-alice',
      counter,
    );
  });

  it('a challenge expires: an assertion made after its lifetime is refused', async () => {
    const browser = new HttpClient(latch.url);
    const page = await passkeyPage(browser, 'alice');
    const counter = await counterOf('id-alice');
    await sleep(CHALLENGE_LIFETIME_MS + 300);
    await assertRefused(
      browser,
      page,
      alice.device.assert(pageOptions(page.text)),
      /challenge unknown, expired, already used/,
      'id-alice',
      counter,
    );
  });

  it('origin and RP id are checked', async () => {
    for (const overrides of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }]) {
      const browser = new HttpClient(latch.url);
      const page = await passkeyPage(browser, 'alice');
      const before = await counterOf('id-alice');
      await assertRefused(
        browser,
        page,
        alice.device.assert(pageOptions(page.text), overrides),
        /assertion refused/,
        'id-alice',
        before - 0,
      );
      alice.device.credentials.find((c) => c.rpId === 'localhost')!.counter = before;
    }
    const reasons = (await latch.authReasons()).slice(0, 2).join('\n');
    assert.match(reasons, /origin/i);
    assert.match(reasons, /RP ID/i);
  });

  it('user verification is required for a passwordless sign-in', async () => {
    const browser = new HttpClient(latch.url);
    const page = await passkeyPage(browser, 'alice');
    const counter = await counterOf('id-alice');
    await assertRefused(
      browser,
      page,
      alice.device.assert(pageOptions(page.text), { userVerified: false }),
      /user verification/i,
      'id-alice',
      counter,
    );
    alice.device.credentials[0]!.counter = counter;
  });

  it('the user handle must match the account (and must be there)', async () => {
    const bobHandle = bob.device.credentials[0]!.userHandle;
    for (const userHandle of [bobHandle, null]) {
      const browser = new HttpClient(latch.url);
      const page = await passkeyPage(browser, 'alice');
      const counter = await counterOf('id-alice');
      await assertRefused(
        browser,
        page,
        alice.device.assert(pageOptions(page.text), { userHandle }),
        /user handle/,
        'id-alice',
        counter,
      );
      alice.device.credentials[0]!.counter = counter;
    }
    const reasons = (await latch.authReasons()).slice(0, 2).join('\n');
    assert.match(reasons, /user handle does not match/);
    assert.match(reasons, /no user handle/);
  });

  it("another user's credential is refused during alice's sign-in (passkey and second factor)", async () => {
    const browser = new HttpClient(latch.url);
    const page = await passkeyPage(browser, 'alice');
    const bobCounter = await counterOf('id-bob');
    await assertRefused(
      browser,
      page,
      bob.device.assert(pageOptions(page.text)),
      /credential belongs to another user \(id-bob\)/,
      'id-bob',
      bobCounter,
    );

    // At the second factor after alice's password: bob's security key.
    const second = new HttpClient(latch.url);
    const factor = await second.submit(await passwordPage(second, 'alice'), { password: PASSWORD });
    assert.equal(heading(factor), 'Use your security key or this device');
    const refused = await second.submit(factor, {
      webauthn_response: JSON.stringify(bob.key.assert({ ...pageOptions(factor.text), allowCredentials: [] })),
    });
    assert.equal(alert(refused), 'This passkey or security key is not registered with your account.');
    assert.equal(signedIn(second), false);
  });

  it('a credential id alone signs nobody in', async () => {
    const browser = new HttpClient(latch.url);
    const page = await passkeyPage(browser, 'alice');
    const counter = await counterOf('id-alice');
    const genuine = alice.device.assert(pageOptions(page.text)) as { response: Record<string, string> };
    const forged = {
      ...genuine,
      response: { ...genuine.response, signature: Buffer.alloc(72, 1).toString('base64url') },
    };
    await assertRefused(browser, page, forged, /assertion refused/, 'id-alice', counter);
    alice.device.credentials[0]!.counter = counter;

    const bare = new HttpClient(latch.url);
    const other = await passkeyPage(bare, 'alice');
    const id = alice.device.credentials[0]!.id;
    await assertRefused(
      bare,
      other,
      { id, rawId: id, type: 'public-key', response: {}, clientExtensionResults: {} },
      /malformed authentication response/,
      'id-alice',
      counter,
    );
  });

  it('a sign counter that goes backwards is logged and, with signCounterRegression: refuse, refused', async () => {
    const browser = new HttpClient(latch.url);
    const page = await passkeyPage(browser, 'alice');
    const counter = await counterOf('id-alice');
    assert.ok(counter >= 2);
    await assertRefused(
      browser,
      page,
      alice.device.assert(pageOptions(page.text), { counter: 1 }),
      /sign counter did not increase \(stored \d+, signed 1\).*refused/,
      'id-alice',
      counter,
    );
    alice.device.credentials[0]!.counter = counter;
  });

  it('platform-only policy: a roaming passkey is refused at registration and, from autofill, at sign-in', async () => {
    const soft = authenticators(origin);
    const roamingPasskey = new SoftAuthenticator({
      origin,
      kind: 'roaming',
      userVerification: true,
      residentKeys: true,
    });
    const browser = new HttpClient(latch.url);
    const choices = await browser.submit(await passwordPage(browser, 'carol'), { password: PASSWORD });
    const enroll = await browser.submit(choices, { choose: 'webauthn-enroll' });
    // The browser reports a platform authenticator (as the prompt's script does), so a passkey on it is offered.
    const offer = await browser.submit(enroll, {
      webauthn_response: JSON.stringify(soft.key.register(pageOptions(enroll.text))),
      platform_authenticator: 'yes',
    });
    assert.equal(heading(offer), 'Sign in faster next time');
    assert.equal(
      (pageOptions(offer.text).authenticatorSelection as Record<string, string>).authenticatorAttachment,
      'platform',
      'the browser is asked for this device',
    );
    const refused = await browser.submit(offer, {
      webauthn_response: JSON.stringify(roamingPasskey.register(pageOptions(offer.text))),
    });
    assert.equal(alert(refused), 'This kind of authenticator is not allowed here. Use this device.');
    assert.equal((await latch.credentialsOf('id-carol')).length, 1, 'only the second-factor key is stored');

    // A roaming passkey carol got while policy allowed it (stored here directly, with her key's
    // public key): autofill does not know her groups, so the policy is checked after the assertion.
    await latch.services.webauthn.ceremonies.credentials.add({
      ...(await latch.credentialsOf('id-carol'))[0]!,
      id: 'carol-roaming-passkey',
      passwordless: true,
    });
    const autofill = new HttpClient(latch.url);
    const first = await autofill.startSignIn();
    const options = pageOptions(first.text);
    assert.deepEqual(options.allowCredentials, [], 'a discoverable request: any passkey');
    const roaming = soft.key.credentials[0]!;
    roaming.userHandle = await latch.services.webauthn.ceremonies.credentials.userHandle('id-carol');
    const response = soft.key.assert(options, { userVerified: true, credentialId: roaming.id }) as Record<
      string,
      unknown
    >;
    const posted = { ...response, id: 'carol-roaming-passkey', rawId: 'carol-roaming-passkey' };
    const after = await autofill.submit(first, { passkey_response: JSON.stringify(posted) });
    assert.equal(heading(after), 'Sign in to Latch account');
    assert.equal(alert(after), "You can't use this passkey here. Enter your username to sign in another way.");
    assert.match((await latch.authReasons())[0]!, /policy for carol does not allow roaming passwordless sign-in/);
    assert.equal(signedIn(autofill), false);
    assert.doesNotMatch(after.text, /data-ceremony="autofill"/, 'autofill is not offered again after a refusal');
  });

  it('a disabled account cannot sign in with its passkey', async () => {
    const dave = await enrollKeyAndPasskey(latch.url, 'dave');
    await latch.setUsers(USERS.map((u) => (u.username === 'dave' ? { ...u, disabled: true } : u)));
    try {
      const browser = new HttpClient(latch.url);
      const first = await browser.startSignIn();
      const after = await browser.submit(first, {
        passkey_response: JSON.stringify(dave.device.assert(pageOptions(first.text))),
      });
      assert.equal(after.status, 403);
      assert.match(after.text, /Your account is disabled\./);
      assert.equal(signedIn(browser), false);
    } finally {
      await latch.setUsers(USERS);
    }
  });

  it('a browser without WebAuthn is sent on to the password', async () => {
    const browser = new HttpClient(latch.url);
    const page = await passkeyPage(browser, 'alice');
    const after = await browser.submit(page, {});
    assert.equal(alert(after), 'This browser cannot use passkeys. Use another way to sign in.');
    assert.equal(heading(after), 'Enter your password');
    assert.equal(signedIn(browser), false);
  });

  it('account page: removing needs the session and a valid CSRF token, and only your own credentials', async () => {
    const erin = await enrollKeyAndPasskey(latch.url, 'erin');
    const browser = erin.browser;
    const page = await passkeyPage(browser, 'erin');
    await browser.submit(page, { webauthn_response: JSON.stringify(erin.device.assert(pageOptions(page.text))) });
    const list = await browser.get('/account/passkeys');
    assert.match(list.text, /Laptop/);
    const csrf = hiddenValue(list.text, 'csrf');
    const mine = (await latch.credentialsOf('id-erin'))[0]!.id;
    const forged = await browser.post('/account/passkeys/remove', { csrf: 'forged', id: mine });
    assert.equal(forged.status, 403);
    assert.match(forged.text, /Nothing was changed/);
    const theirs = (await latch.credentialsOf('id-alice'))[0]!.id;
    const notMine = await browser.post('/account/passkeys/remove', { csrf, id: theirs });
    assert.equal(notMine.status, 400);
    assert.equal((await latch.credentialsOf('id-alice')).length, 2, "alice's credentials are untouched");
    const removed = await browser.post('/account/passkeys/remove', { csrf, id: mine });
    assert.match(removed.text, /Removed\./);
    assert.equal((await latch.credentialsOf('id-erin')).length, 1);
    const stranger = await new HttpClient(latch.url).post('/account/passkeys/remove', { csrf, id: theirs });
    assert.equal(stranger.status, 403);
  });
});

describe('WebAuthn sign counter with signCounterRegression: log', () => {
  it('a counter that goes backwards is logged and the sign-in goes ahead', async () => {
    const latch = await startTestLatch({
      host: 'localhost',
      users: [user('alice')],
      config: { webauthn: { signCounterRegression: 'log' }, policy: { default: { newUser: 'require-enrollment' } } },
    });
    try {
      const alice = await enrollKeyAndPasskey(latch.url, 'alice');
      const first = await passkeyPage(alice.browser, 'alice');
      await alice.browser.submit(first, {
        webauthn_response: JSON.stringify(alice.device.assert(pageOptions(first.text), { counter: 5 })),
      });
      const again = new HttpClient(latch.url);
      const page = await passkeyPage(again, 'alice');
      const done = await again.submit(page, {
        webauthn_response: JSON.stringify(alice.device.assert(pageOptions(page.text), { counter: 3 })),
      });
      assert.equal(heading(done), 'Signed in as alice');
      const reasons = await latch.authReasons();
      assert.ok(
        reasons.some((r) => /sign counter did not increase \(stored 5, signed 3\)/.test(r)),
        reasons.join('\n'),
      );
      assert.equal(
        (await latch.credentialsOf('id-alice')).find((c) => c.passwordless)!.counter,
        5,
        'the stored counter does not go back',
      );
    } finally {
      await latch.stop();
    }
  });
});
