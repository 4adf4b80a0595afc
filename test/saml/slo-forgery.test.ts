import { after, before, it } from 'mocha';
import assert from 'node:assert/strict';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { signElement } from '../../src/idp/saml/xml/sign.ts';
import { parseRawQuery, verifyRedirectSignature } from '../../src/idp/saml/xml/redirect-signature.ts';
import { HttpClient, hiddenValue, visibleText } from '../support/http-client.ts';
import { makeTestKey } from '../support/saml-certs.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { spMetadataXml } from '../support/sp-metadata.ts';

// Logout forged from another site. An SP without a signing certificate may send unsigned
// LogoutRequests, and the user's NameID is often just the username: a link on any page, with a
// LogoutRequest "from" that SP, used to end the victim's Latch session. An unsigned LogoutRequest
// now has to name the NameID and SessionIndex of the session in that browser, and the user has to
// confirm; signed requests work as before.

const NS_P = 'urn:oasis:names:tc:SAML:2.0:protocol';
const NS_A = 'urn:oasis:names:tc:SAML:2.0:assertion';
const NOSIG = 'https://nosig.sp.test/metadata';
const SIGNED = 'https://signed.sp.test/metadata';
const spKey = makeTestKey('signed-sp');

let latch: InProcessLatch;
let counter = 0;

before(async () => {
  latch = await startTestLatch({
    host: 'localhost',
    users: [{ username: 'victim', password: 'victim-password' }],
    config: {
      saml: {
        serviceProviders: {
          nosig: {
            metadataXml: spMetadataXml({
              entityId: NOSIG,
              acs: ['https://nosig.sp.test/acs'],
              sloUrl: 'https://nosig.sp.test/slo',
            }),
          },
          signed: {
            metadataXml: spMetadataXml({
              entityId: SIGNED,
              acs: ['https://signed.sp.test/acs'],
              sloUrl: 'https://signed.sp.test/slo',
              certificatePem: spKey.certificatePem,
            }),
          },
        },
      },
    },
  });
});
after(async () => {
  await latch?.stop();
});

interface SpSession {
  nameId: string;
  sessionIndex: string;
}

/** A browser signed in to Latch and, through SSO, to the SP; returns what the SP learned. */
async function signedInAt(sp: string): Promise<{ browser: HttpClient; at: SpSession }> {
  const browser = new HttpClient(latch.url);
  await browser.signIn('victim', 'victim-password');
  const id = `_authn${++counter}`;
  const request =
    `<samlp:AuthnRequest xmlns:samlp="${NS_P}" xmlns:saml="${NS_A}" ID="${id}" Version="2.0" ` +
    `IssueInstant="${new Date().toISOString()}" Destination="${latch.url}/saml2/idp/sso"><saml:Issuer>${sp}</saml:Issuer>` +
    `</samlp:AuthnRequest>`;
  const xml = sp === SIGNED ? signElement(request, id, spKey, 'rsa-sha256') : request;
  const page = await browser.post('/saml2/idp/sso', { SAMLRequest: Buffer.from(xml).toString('base64') });
  const response = Buffer.from(hiddenValue(page.text, 'SAMLResponse'), 'base64').toString('utf8');
  const nameId = /<saml:NameID[^>]*>([^<]+)<\/saml:NameID>/.exec(response)![1]!;
  const sessionIndex = /SessionIndex="([^"]+)"/.exec(response)![1]!;
  assert.equal(nameId, 'victim', 'the NameID is the guessable username');
  return { browser, at: { nameId, sessionIndex } };
}

function logoutRequest(sp: string, nameId: string, sessionIndex?: string): { id: string; xml: string } {
  const id = `_logout${++counter}x${Date.now()}`;
  const index = sessionIndex === undefined ? '' : `<samlp:SessionIndex>${sessionIndex}</samlp:SessionIndex>`;
  const xml =
    `<samlp:LogoutRequest xmlns:samlp="${NS_P}" xmlns:saml="${NS_A}" ID="${id}" Version="2.0" ` +
    `IssueInstant="${new Date().toISOString()}"><saml:Issuer>${sp}</saml:Issuer><saml:NameID>${nameId}</saml:NameID>${index}` +
    `</samlp:LogoutRequest>`;
  return { id, xml };
}
const redirectLink = (xml: string, relayState = 'sp-state') =>
  `/saml2/idp/slo?SAMLRequest=${encodeURIComponent(deflateRawSync(xml).toString('base64'))}&RelayState=${relayState}`;

/** Follows redirects within Latch, as a browser would; stops at a page or at a redirect elsewhere. */
async function visit(browser: HttpClient, path: string): Promise<{ status: number; text: string; leftTo?: URL }> {
  let res = await browser.request(path);
  for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
    const next = new URL(res.headers.get('location')!, latch.url);
    await res.arrayBuffer();
    if (next.origin !== latch.url) return { status: res.status, text: '', leftTo: next };
    res = await browser.request(next.pathname + next.search);
  }
  return { status: res.status, text: await res.text() };
}

/** The LogoutResponse Latch sent the browser to the SP with, signature checked. */
async function logoutResponseAt(
  url: URL,
): Promise<{ inResponseTo: string; status: string; relayState: string | undefined }> {
  const query = parseRawQuery(url.search);
  const cert = await (await fetch(`${latch.url}/saml2/idp/certificate`)).text();
  assert.equal(verifyRedirectSignature(query, 'SAMLResponse', { certificates: [cert] }), true);
  const xml = inflateRawSync(Buffer.from(query.values.get('SAMLResponse')!, 'base64')).toString('utf8');
  return {
    inResponseTo: /InResponseTo="([^"]+)"/.exec(xml)![1]!,
    status: [...xml.matchAll(/StatusCode Value="urn:oasis:names:tc:SAML:2\.0:status:(\w+)"/g)]
      .map((m) => m[1])
      .join('/'),
    relayState: query.values.get('RelayState'),
  };
}

/** Submits the confirmation page's form with this decision (and its CSRF token unless another is given). */
function decide(
  browser: HttpClient,
  page: string,
  decision: string,
  csrf: string | null = hiddenValue(page, 'csrf'),
): Promise<Response> {
  const action = /<form method="post" action="([^"]+)"/.exec(page)![1]!.replace(/&amp;/g, '&');
  const form = { request: hiddenValue(page, 'request'), decision, ...(csrf === null ? {} : { csrf }) };
  return browser.request(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

async function stillSignedIn(browser: HttpClient): Promise<boolean> {
  return /Signed in as victim/.test(visibleText((await browser.get('/')).text));
}

it('a forged logout link with a guessed NameID and no or a wrong SessionIndex leaves the session alive', async () => {
  const { browser, at } = await signedInAt(NOSIG);
  for (const sessionIndex of [undefined, '_guessed', `${at.sessionIndex}x`]) {
    const forged = logoutRequest(NOSIG, at.nameId, sessionIndex);
    const result = await visit(browser, redirectLink(forged.xml));
    assert.ok(await stillSignedIn(browser), `SessionIndex ${sessionIndex}: the session is alive`);
    assert.ok(result.leftTo, 'the SP is answered');
    assert.equal(`${result.leftTo.origin}${result.leftTo.pathname}`, 'https://nosig.sp.test/slo');
    const answer = await logoutResponseAt(result.leftTo);
    assert.equal(answer.inResponseTo, forged.id);
    assert.equal(answer.status, 'Requester/UnknownPrincipal', 'the SP hears that no session was ended');
  }
});

it('a forged link with the right NameID and SessionIndex only shows a confirmation, whose form cannot be forged', async () => {
  const { browser, at } = await signedInAt(NOSIG);
  const forged = logoutRequest(NOSIG, at.nameId, at.sessionIndex);
  const page = await visit(browser, redirectLink(forged.xml));
  assert.equal(page.status, 200);
  assert.match(visibleText(page.text), /Sign out of Latch\?/);
  assert.match(visibleText(page.text), /nosig\.sp\.test\/metadata asks to sign you out/);
  assert.ok(await stillSignedIn(browser), 'visiting the link alone ends nothing');
  // The confirmation form, forged: without the page's token (a cross-site form), or with another one.
  for (const csrf of [null, 'forged', hiddenValue(page.text, 'csrf').slice(1)]) {
    const res = await decide(browser, page.text, 'logout', csrf);
    assert.equal(res.status, 403, await res.text());
  }
  assert.ok(await stillSignedIn(browser));
});

it('an unsigned LogoutRequest posted cross-site (no cookie comes with it) ends nothing; the browser is asked on Latch', async () => {
  const { browser, at } = await signedInAt(NOSIG);
  const posted = logoutRequest(NOSIG, at.nameId, at.sessionIndex);
  // What an auto-submitting form on another site sends: SameSite=Lax keeps the session cookie back.
  const res = await fetch(`${latch.url}/saml2/idp/slo`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams({ SAMLRequest: Buffer.from(posted.xml).toString('base64') }),
  });
  assert.equal(res.status, 303);
  assert.ok(await stillSignedIn(browser), "a LogoutRequest without the browser's cookie ends nothing");
  // The browser follows that redirect with a top-level GET, which carries its cookie: it is asked.
  const page = await visit(browser, res.headers.get('location')!);
  assert.match(visibleText(page.text), /Sign out of Latch\?/);
  assert.ok(await stillSignedIn(browser));
});

it('the user who declines stays signed in, and the SP hears so', async () => {
  const { browser, at } = await signedInAt(NOSIG);
  const request = logoutRequest(NOSIG, at.nameId, at.sessionIndex);
  const page = await visit(browser, redirectLink(request.xml));
  const res = await decide(browser, page.text, 'stay');
  assert.equal(res.status, 302);
  const answer = await logoutResponseAt(new URL(res.headers.get('location')!));
  assert.deepEqual(answer, { inResponseTo: request.id, status: 'Responder/RequestDenied', relayState: 'sp-state' });
  assert.ok(await stillSignedIn(browser));
});

it('the user who confirms is signed out, and the SP gets its signed LogoutResponse', async () => {
  const { browser, at } = await signedInAt(NOSIG);
  const request = logoutRequest(NOSIG, at.nameId, at.sessionIndex);
  const page = await visit(browser, redirectLink(request.xml, 'sp-relay'));
  const res = await decide(browser, page.text, 'logout');
  assert.equal(res.status, 302);
  const answer = await logoutResponseAt(new URL(res.headers.get('location')!));
  assert.deepEqual(answer, { inResponseTo: request.id, status: 'Success', relayState: 'sp-relay' });
  assert.equal(await stillSignedIn(browser), false);
  // The confirmation is single use.
  assert.ok((await decide(browser, page.text, 'logout')).status >= 400);
  const used = await browser.request(`/saml2/idp/slo/confirm?request=${hiddenValue(page.text, 'request')}`);
  assert.equal(used.status, 400);
  assert.match(visibleText(await used.text()), /This logout request has expired or was already answered/);
});

it('a signed LogoutRequest still ends the session at once, as before', async () => {
  const { browser, at } = await signedInAt(SIGNED);
  const request = logoutRequest(SIGNED, at.nameId, at.sessionIndex);
  const res = await browser.request('/saml2/idp/slo', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      SAMLRequest: Buffer.from(signElement(request.xml, request.id, spKey, 'rsa-sha256')).toString('base64'),
    }).toString(),
  });
  assert.equal(res.status, 302);
  const answer = await logoutResponseAt(new URL(res.headers.get('location')!));
  assert.equal(answer.status, 'Success');
  assert.equal(await stillSignedIn(browser), false);
});
