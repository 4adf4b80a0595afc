import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import * as OTPAuth from 'otpauth';
import * as client from 'openid-client';
import { HttpClient, hiddenValue, isPasskeyPage, type Page } from '../support/http-client.ts';
import { SoftAuthenticator, pageOptions } from '../support/soft-authenticator.ts';
import { samlAnswer } from '../support/sso-client.ts';

// What the load generator's users do, over HTTP as a browser would (test/support/http-client.ts),
// through HAProxy: sign in with SAML and OIDC (password + authenticator app or bypass code), with
// a passkey, and enroll an authenticator app or a security key and a passkey. Each flow returns
// what it got, and what it used once (a code, an assertion, a request ID), so that the test can
// offer the same thing again to each node directly and check that every node refuses it.

export const PASSWORD = 'cluster-password-1';
export const SP_ENTITY_ID = 'https://app.cluster.test/sp';
export const SP_ACS = 'https://app.cluster.test/acs';
export const RP_REDIRECT = 'https://rp.cluster.test/cb';
export const RP_CLIENT = { client_id: 'rp', client_secret: 'rp-secret-that-is-long-enough-0123456789abcdef' };

export class FlowError extends Error {
  constructor(
    message: string,
    readonly page?: Page,
  ) {
    super(page ? `${message} (at ${page.status} ${page.path}: ${describePage(page)})` : message);
  }
}

export const heading = (page: Page) => /<h1>([^<]*)<\/h1>/.exec(page.text)?.[1] ?? '';
export const alertOf = (page: Page) => /<p class="alert" role="alert"[^>]*>([^<]*)<\/p>/.exec(page.text)?.[1] ?? '';
/** The heading and the alert a user would read (or the start of the page). */
const describePage = (page: Page) =>
  [heading(page), alertOf(page)].filter(Boolean).join(': ') || page.text.slice(0, 200);

/** An authenticator app: codes of chosen time steps, each step used once and in order. */
export class TotpApp {
  lastStep = 0;
  constructor(readonly secret: string) {}

  /** The code of the next usable step: now or the one before (valid on a node up to 30 s behind too). */
  nextCode(): { code: string; step: number } | undefined {
    const now = Math.floor(Date.now() / 30_000);
    const step = [now - 1, now].find((s) => s > this.lastStep);
    if (step === undefined) return undefined;
    this.lastStep = step;
    return { code: codeAt(this.secret, step), step };
  }
}

export function codeAt(secret: string, step: number): string {
  return OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(secret), timestamp: step * 30_000 + 1 });
}

function expect(page: Page, title: string | RegExp, what: string): Page {
  const h = heading(page);
  if (typeof title === 'string' ? h !== title : !title.test(h))
    throw new FlowError(`${what}: expected "${String(title)}"`, page);
  return page;
}

/** Username, then the password (from the passkey page's "Other options" when it comes first). */
async function password(browser: HttpClient, prompt: Page, username: string): Promise<Page> {
  if (!/^\/login\?tx=/.test(prompt.path)) throw new FlowError('expected the sign-in prompt', prompt);
  const next = await browser.submit(prompt, { username });
  const page = isPasskeyPage(next) ? await browser.submit(next, { choose: 'password' }, 'choose') : next;
  expect(page, 'Enter your password', 'password page');
  return browser.submit(page, { password: PASSWORD });
}

/** Past the offers that follow a second factor ("Sign in faster next time": Skip for now). */
async function pastOffers(browser: HttpClient, page: Page): Promise<Page> {
  let current = page;
  for (let i = 0; i < 3 && heading(current) === 'Sign in faster next time'; i++) {
    current = await browser.post(current.path, {
      csrf: hiddenValue(current.text, 'csrf'),
      step: hiddenValue(current.text, 'step'),
      skip: 'yes',
    });
  }
  return current;
}

/** Password, then a code from the app (or a bypass code) on the passcode page. */
async function secondFactor(
  browser: HttpClient,
  prompt: Page,
  username: string,
  code: { app?: string; bypass?: string },
): Promise<Page> {
  const afterPassword = await password(browser, prompt, username);
  let page = expect(afterPassword, 'Enter a passcode', 'second factor');
  if (code.bypass) {
    page = expect(
      await browser.submit(page, { choose: 'bypass-code' }, 'choose'),
      'Enter a bypass code',
      'bypass code page',
    );
    return pastOffers(browser, await browser.submit(page, { code: code.bypass }));
  }
  return pastOffers(browser, await browser.submit(page, { code: code.app! }));
}

// ---- Enrollment

export async function enrollApp(base: string, username: string): Promise<TotpApp> {
  const browser = new HttpClient(base);
  const page = expect(
    await password(browser, await browser.startSignIn(), username),
    'Set up an authenticator app',
    'enrollment',
  );
  const secret = (/id="totp-secret">([^<]+)</.exec(page.text)?.[1] ?? '').replace(/\s/g, '');
  const app = new TotpApp(secret);
  const done = await pastOffers(browser, await browser.submit(page, { code: app.nextCode()!.code }));
  expect(done, `Signed in as ${username}`, 'after setting up the app');
  return app;
}

export interface PasskeyUser {
  username: string;
  device: SoftAuthenticator;
  /** One sign-in at a time: the sign counter must not go backwards. */
  busy: boolean;
}

export async function enrollPasskey(base: string, username: string): Promise<PasskeyUser> {
  const origin = new URL(base).origin;
  const key = new SoftAuthenticator({ origin, kind: 'roaming', userVerification: false, residentKeys: false });
  const device = new SoftAuthenticator({ origin, kind: 'platform', userVerification: true, residentKeys: true });
  const browser = new HttpClient(base);
  const choices = await password(browser, await browser.startSignIn(), username);
  const enroll = expect(
    await browser.submit(choices, { choose: 'webauthn-enroll' }, 'choose'),
    'Set up a security key or this device',
    'key enrollment',
  );
  const offer = expect(
    await browser.submit(enroll, {
      webauthn_response: JSON.stringify(key.register(pageOptions(enroll.text))),
      name: '',
    }),
    'Sign in faster next time',
    'passkey offer',
  );
  const done = await browser.submit(offer, {
    webauthn_response: JSON.stringify(device.register(pageOptions(offer.text))),
    name: 'Laptop',
  });
  expect(done, `Signed in as ${username}`, 'after the passkey');
  return { username, device, busy: false };
}

// ---- Sign-ins (each returns what it used once)

export interface PasskeyUse {
  response: unknown;
}

export async function passkeySignIn(base: string, user: PasskeyUser): Promise<PasskeyUse> {
  const browser = new HttpClient(base);
  const page = await browser.submit(await browser.startSignIn(), { username: user.username });
  expect(page, 'Sign in with your passkey', 'passkey page');
  const response = user.device.assert(pageOptions(page.text));
  expect(
    await browser.submit(page, { webauthn_response: JSON.stringify(response) }),
    `Signed in as ${user.username}`,
    'passkey sign-in',
  );
  return { response };
}

/** The same assertion offered in a new sign-in at `node`: true when that node accepted it. */
export async function passkeyReplayAccepted(node: string, user: PasskeyUser, use: PasskeyUse): Promise<boolean> {
  const browser = new HttpClient(node);
  const page = await browser.submit(await browser.startSignIn(), { username: user.username });
  const after = await browser.submit(page, { webauthn_response: JSON.stringify(use.response) });
  return heading(after).startsWith('Signed in as');
}

export interface SamlUse {
  requestXml: string;
  responseXml: string;
  code: string;
}

function authnRequest(id: string, destination: string): string {
  return (
    `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ` +
    `ID="${id}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${destination}/saml2/idp/sso">` +
    `<saml:Issuer>${SP_ENTITY_ID}</saml:Issuer></samlp:AuthnRequest>`
  );
}

const redirectBinding = (xml: string) =>
  `/saml2/idp/sso?SAMLRequest=${encodeURIComponent(deflateRawSync(xml).toString('base64'))}`;

/** SP-initiated SAML (HTTP-Redirect): password and a code from the app; the Response posted to the ACS. */
export async function samlSignIn(
  base: string,
  username: string,
  code: { app?: string; bypass?: string },
): Promise<SamlUse> {
  const browser = new HttpClient(base);
  const requestXml = authnRequest(`_${randomBytes(12).toString('hex')}`, base);
  const page = await secondFactor(browser, await browser.get(redirectBinding(requestXml)), username, code);
  const answer = samlAnswer(page);
  if (
    !answer ||
    answer.action !== SP_ACS ||
    !/StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/.test(answer.xml)
  ) {
    throw new FlowError('expected a successful SAML Response', page);
  }
  return { requestXml, responseXml: answer.xml, code: code.app ?? code.bypass ?? '' };
}

/** The same AuthnRequest (same ID) at `node` in a fresh browser: true when that node took it. */
export async function samlRequestReplayAccepted(node: string, use: SamlUse): Promise<boolean> {
  const browser = new HttpClient(node);
  const page = await browser.get(
    redirectBinding(
      use.requestXml.replace(/Destination="[^"]*"/, `Destination="${new URL(node).origin}/saml2/idp/sso"`),
    ),
  );
  return /^\/login\?tx=/.test(page.path);
}

/** A used code (app or bypass) after the password at `node`: true when that node accepted it. */
export async function codeReplayAccepted(
  node: string,
  username: string,
  code: { app?: string; bypass?: string },
): Promise<boolean> {
  const browser = new HttpClient(node);
  try {
    await secondFactor(browser, await browser.startSignIn(), username, code);
  } catch (err) {
    if (err instanceof FlowError) return false;
    throw err;
  }
  return browser.cookies.has('latch_session');
}

export interface OidcUse {
  code: string;
  verifier: string;
  idTokenKid: string;
}

export async function relyingParty(base: string): Promise<client.Configuration> {
  return client.discovery(
    new URL(base),
    RP_CLIENT.client_id,
    { redirect_uris: [RP_REDIRECT] },
    client.ClientSecretPost(RP_CLIENT.client_secret),
    { execute: [client.allowInsecureRequests] },
  );
}

/** The authorization code flow: password and a code from the app, then the code exchanged for tokens. */
export async function oidcSignIn(
  base: string,
  rp: client.Configuration,
  username: string,
  code: { app?: string },
): Promise<OidcUse> {
  const browser = new HttpClient(base);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(rp, {
    redirect_uri: RP_REDIRECT,
    scope: 'openid',
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const prompt = await browser.get(url.pathname + url.search);
  const finished = await secondFactor(browser, prompt, username, code);
  // The last redirect leaves Latch for the relying party: HttpClient stops there (no such host).
  const landed = new URL(finished.path, base);
  const authorizationCode = landed.searchParams.get('code');
  if (!authorizationCode) throw new FlowError('expected a redirect with a code', finished);
  const tokens = await client.authorizationCodeGrant(rp, new URL(`${RP_REDIRECT}?${landed.searchParams}`), {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  const idToken = tokens.id_token ?? '';
  const kid =
    (JSON.parse(Buffer.from(idToken.split('.')[0] ?? '', 'base64url').toString() || '{}') as { kid?: string }).kid ??
    '';
  return { code: authorizationCode, verifier, idTokenKid: kid };
}

/** The used code at `node`'s token endpoint: true when it issued tokens for it. */
export async function oidcCodeReplayAccepted(node: string, use: OidcUse): Promise<boolean> {
  const res = await fetch(`${node}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: use.code,
      redirect_uri: RP_REDIRECT,
      ...RP_CLIENT,
      code_verifier: use.verifier,
    }),
  });
  const body = (await res.json()) as { access_token?: string };
  return res.ok && body.access_token !== undefined;
}
