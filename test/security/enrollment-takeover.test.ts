import assert from 'node:assert/strict';
import { after, before, it } from 'mocha';
import { activationUrl } from '../../src/methods/push/protocol.ts';
import { HttpClient, hiddenValue, visibleText, type Page } from '../support/http-client.ts';
import { pageOptions } from '../support/soft-authenticator.ts';
import { spMetadataXml } from '../support/sp-metadata.ts';
import { CliPhone } from '../push/helpers.ts';
import { authenticators } from '../webauthn/http-steps.ts';
import { PASSWORD } from '../webauthn/browser-steps.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';

// Issue #11, item 1: an attacker who knows a password must not enroll a factor of their own on an
// account that already has one. Applications here narrow the second factors they accept and
// require enrollment; users who hold another kind of factor are refused with a clear message and
// a log entry naming the policy, never shown an enrollment page. Users with no factor at all
// still enroll inline, and an activation link given to such a password-only sign-in stops
// working once the owner has a factor.

const SP = (name: string) => `https://${name}.sp.test/metadata`;
const REQUIRE = { newUser: 'require-enrollment', passwordless: [] };
const OIDC_SECRET = 'a-client-secret-that-is-long-enough-0123456789';

let latch: InProcessLatch;

function serviceProvider(name: string, display: string, secondFactors: string[]) {
  return {
    metadataXml: spMetadataXml({ entityId: SP(name), acs: [`https://${name}.sp.test/acs`] }),
    name: display,
    policy: { ...REQUIRE, secondFactors },
  };
}

before(async () => {
  latch = await startTestLatch({
    host: 'localhost',
    users: [
      { username: 'pia', id: 'id-pia', password: PASSWORD },
      { username: 'rex', id: 'id-rex', password: PASSWORD },
      { username: 'quinn', id: 'id-quinn', password: PASSWORD },
      { username: 'una', id: 'id-una', password: PASSWORD },
    ],
    config: {
      saml: {
        serviceProviders: {
          vpn: serviceProvider('vpn', 'VPN', ['webauthn']),
          phones: serviceProvider('phones', 'Phone portal', ['push']),
          codes: serviceProvider('codes', 'Code portal', ['passcode']),
        },
      },
      oidc: {
        clients: [
          {
            client_id: 'keys-only',
            client_name: 'Keys-only app',
            client_secret: OIDC_SECRET,
            redirect_uris: ['https://keys.test/cb'],
            policy: { ...REQUIRE, secondFactors: ['webauthn'] },
          },
        ],
      },
    },
  });
  // pia holds a hardware token (a passcode factor).
  const { tokens } = latch.services.passcodes;
  await tokens.import([
    { serial: 'T-1', secret: 'JBSWY3DPEHPK3PXP', type: 'totp', digits: 6, period: 30, counter: 0, algorithm: 'SHA1' },
  ]);
  await tokens.assign('T-1', 'id-pia');
  // rex registered a security key while he had no factor (allowed from a password session).
  const rex = new HttpClient(latch.url);
  await rex.signIn('rex', PASSWORD);
  const page = await rex.get('/account/passkeys');
  const added = await rex.post('/account/passkeys/add', {
    csrf: hiddenValue(page.text, 'csrf'),
    webauthn_response: JSON.stringify(authenticators(new URL(latch.url).origin).key.register(pageOptions(page.text))),
    name: 'Rex key',
  });
  assert.equal(added.status, 200, visibleText(added.text));
});
after(async () => {
  await latch?.stop();
});

/** IdP-initiated sign-in to an SP: username, then password; returns the page after the password. */
async function afterPassword(browser: HttpClient, sp: string, username: string): Promise<Page> {
  const prompt = await browser.get(`/saml2/idp/init?sp=${encodeURIComponent(SP(sp))}`);
  assert.ok(prompt.path.startsWith('/login'), prompt.path);
  return browser.submit(await browser.passwordPage(username, prompt), { password: PASSWORD });
}

const ENROLLMENT_PAGES =
  /Set up a security key or this device|Set up phone sign-in|Set up an authenticator app|id="activation-link"|otpauth:/;

function assertRefused(page: Page, message: RegExp): void {
  assert.equal(page.status, 403, visibleText(page.text));
  assert.match(visibleText(page.text), message);
  assert.match(visibleText(page.text), /Contact your IT help desk to have one added to your account\./);
  assert.doesNotMatch(page.text, ENROLLMENT_PAGES, 'no enrollment is offered');
}

async function lastDecision(): Promise<string> {
  return (await latch.authReasons())[0] ?? '';
}

it('a password alone does not enroll a security key where the application accepts only WebAuthn and the user has another factor', async () => {
  const page = await afterPassword(new HttpClient(latch.url), 'vpn', 'pia');
  assertRefused(page, /VPN accepts only a security key or this device as a second factor, and you have none set up\./);
  assert.deepEqual(await latch.credentialsOf('id-pia'), [], 'no credential was stored');
  assert.match(
    await lastDecision(),
    /none of which policy allows here \(secondFactors: webauthn; default <- application https:\/\/vpn\.sp\.test\/metadata\); not enrolling another/,
  );
});

it('nor a phone where the application accepts only push', async () => {
  const page = await afterPassword(new HttpClient(latch.url), 'phones', 'pia');
  assertRefused(page, /Phone portal accepts only the Latch Authenticator as a second factor/);
  assert.equal(await latch.services.push.devices.forUser('id-pia'), undefined);
});

it('nor an authenticator app where the application accepts only passcodes and the user has a security key', async () => {
  const page = await afterPassword(new HttpClient(latch.url), 'codes', 'rex');
  assertRefused(page, /Code portal accepts only an authenticator app or hardware token as a second factor/);
  assert.equal(await latch.services.passcodes.credentials.hasAny('id-rex'), false);
});

it('the OIDC interaction path refuses the same way', async () => {
  const browser = new HttpClient(latch.url);
  const query = new URLSearchParams({
    client_id: 'keys-only',
    response_type: 'code',
    redirect_uri: 'https://keys.test/cb',
    scope: 'openid',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    state: 's1',
  });
  const prompt = await browser.get(`/oidc/auth?${query}`);
  assert.ok(prompt.path.startsWith('/login'), prompt.path);
  const page = await browser.submit(await browser.passwordPage('pia', prompt), { password: PASSWORD });
  assertRefused(page, /Keys-only app accepts only a security key or this device as a second factor/);
  assert.deepEqual(await latch.credentialsOf('id-pia'), []);
});

it('a user with no factor at all still enrolls inline', async () => {
  const page = await afterPassword(new HttpClient(latch.url), 'vpn', 'quinn');
  assert.equal(page.status, 200);
  assert.match(visibleText(page.text), /Set up a security key or this device/);
});

it('an activation link from an inline enrollment stops working once the user has another factor', async () => {
  const attacker = new HttpClient(latch.url);
  const page = await afterPassword(attacker, 'phones', 'una');
  const link = /id="activation-link" type="text" readonly value="([^"]+)"/
    .exec(page.text)?.[1]
    ?.replaceAll('&amp;', '&');
  assert.ok(link, 'una has no factor: the activation QR code is shown');
  // Meanwhile the owner sets up a hardware token.
  const { tokens } = latch.services.passcodes;
  await tokens.import([
    { serial: 'T-2', secret: 'JBSWY3DPEHPK3PXQ', type: 'totp', digits: 6, period: 30, counter: 0, algorithm: 'SHA1' },
  ]);
  await tokens.assign('T-2', 'id-una');

  const phone = new CliPhone();
  assert.match(
    await phone.refused('activate', link, '--name', 'Attacker phone'),
    /no longer works because your account now has a second factor/,
  );
  assert.equal(await latch.services.push.devices.forUser('id-una'), undefined, 'no phone was activated');
  // A link an administrator makes still works.
  const admin = await latch.services.push.activations.issue({ id: 'id-una', username: 'una' }, 'test administrator');
  await phone.ok('activate', activationUrl(latch.url, admin.token), '--name', 'Una phone');
  assert.equal((await latch.services.push.devices.forUser('id-una'))?.name, 'Una phone');
});
