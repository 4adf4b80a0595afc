import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import * as client from 'openid-client';
import type { HttpClient, Page } from './http-client.ts';

// Single sign-on from a browser's IdP session, over plain HTTP: a SAML service provider's
// AuthnRequest (HTTP-Redirect), an IdP-initiated start, and an OIDC relying party's authorization
// request whose answer is read from the redirect (openid-client builds and checks it).
//
//   const page = await samlSso(browser, 'https://wiki.test/metadata');
//   samlAnswer(page)            // { action, xml } when Latch posted a Response, else undefined
//   const { landed } = await oidcAuthorize(browser, rp, 'https://rp.test/cb', { prompt: 'none' });
//   const tokens = await exchangeCode(rp, await oidcAuthorize(browser, rp, 'https://rp.test/cb'));

const NS_P = 'urn:oasis:names:tc:SAML:2.0:protocol';
const NS_A = 'urn:oasis:names:tc:SAML:2.0:assertion';
let counter = 0;

function authnRequest(browser: HttpClient, issuer: string, options: { passive?: boolean }): string {
  const id = `_sso${++counter}x${Date.now()}`;
  const passive = options.passive ? ' IsPassive="true"' : '';
  const instant = new Date().toISOString();
  const attributes = `ID="${id}" Version="2.0" IssueInstant="${instant}" Destination="${browser.base}/saml2/idp/sso"`;
  return (
    `<samlp:AuthnRequest xmlns:samlp="${NS_P}" xmlns:saml="${NS_A}" ${attributes}${passive}>` +
    `<saml:Issuer>${issuer}</saml:Issuer></samlp:AuthnRequest>`
  );
}

/** An unsigned AuthnRequest from `issuer` through the HTTP-Redirect binding, redirects followed. */
export function samlSso(browser: HttpClient, issuer: string, options: { passive?: boolean } = {}): Promise<Page> {
  const xml = authnRequest(browser, issuer, options);
  return browser.get(`/saml2/idp/sso?SAMLRequest=${encodeURIComponent(deflateRawSync(xml).toString('base64'))}`);
}

/**
 * An AuthnRequest through HTTP-POST from the SP's site: the browser does not send the SameSite=Lax
 * session cookie with it, only on the redirect to the prompt that follows.
 */
export async function samlSsoCrossSitePost(browser: HttpClient, issuer: string): Promise<Page> {
  const res = await browser.request('/saml2/idp/sso', {
    method: 'POST',
    body: `SAMLRequest=${encodeURIComponent(Buffer.from(authnRequest(browser, issuer, {})).toString('base64'))}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: '' },
  });
  return browser.follow(res, '/saml2/idp/sso');
}

/** IdP-initiated sign-in to a registered SP, redirects followed. */
export function idpInitiated(browser: HttpClient, entityId: string): Promise<Page> {
  return browser.get(`/saml2/idp/init?sp=${encodeURIComponent(entityId)}`);
}

/** The SAML Response the page posts to the SP's ACS, if it is that page. */
export function samlAnswer(page: Page): { action: string; xml: string } | undefined {
  const value = /name="SAMLResponse" value="([^"]+)"/.exec(page.text)?.[1];
  if (!value) return undefined;
  const action = /<form method="post" action="([^"]+)"/.exec(page.text)?.[1] ?? '';
  return { action, xml: Buffer.from(value, 'base64').toString('utf8') };
}

/** Asserts that the page is an assertion for `username` posted to the SP. */
export function assertSignedInAtSp(page: Page, username: string): void {
  const answer = samlAnswer(page);
  assert.ok(answer, `expected a SAML Response, got ${page.status} ${page.path}`);
  assert.match(answer.xml, /StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/);
  assert.match(answer.xml, new RegExp(`<saml:NameID[^>]*>${username}</saml:NameID>`));
}

/** Asserts that the browser was sent to the prompt and nothing went to the SP. */
export function assertAtPrompt(page: Page): void {
  assert.match(page.path, /^\/login\?tx=/, `expected the sign-in prompt, got ${page.status} ${page.path}`);
  assert.equal(samlAnswer(page), undefined, 'no SAML Response');
}

export interface Authorization {
  verifier: string;
  state: string;
  nonce: string;
  /** Where Latch sent the browser back to the relying party (code or error), if it did. */
  landed?: URL;
  /** Otherwise the Latch page the browser stopped at. */
  page?: Page;
}

/** An authorization request in this browser; follows Latch's redirects until it leaves for the relying party. */
export async function oidcAuthorize(
  browser: HttpClient,
  config: client.Configuration,
  redirectUri: string,
  params: Record<string, string> = {},
): Promise<Authorization> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email groups',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  const base = new URL(browser.base);
  let res = await browser.request(url.pathname + url.search);
  let at = url.pathname + url.search;
  for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
    const next = new URL(res.headers.get('location') ?? '', new URL(at, base));
    await res.arrayBuffer();
    if (next.origin !== base.origin) return { verifier, state, nonce, landed: next };
    at = next.pathname + next.search;
    res = await browser.request(at);
  }
  const page = { status: res.status, headers: res.headers, text: await res.text(), path: at };
  return { verifier, state, nonce, page };
}

/** The code flow's token response for an authorization that came back with a code. */
export async function exchangeCode(config: client.Configuration, authorization: Authorization) {
  const { landed, page } = authorization;
  assert.ok(landed, `expected a redirect to the relying party, got ${page?.status} ${page?.path}`);
  return client.authorizationCodeGrant(config, landed, {
    pkceCodeVerifier: authorization.verifier,
    expectedState: authorization.state,
    expectedNonce: authorization.nonce,
  });
}

export { client };
