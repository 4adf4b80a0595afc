import { after, before, it } from 'mocha';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { makeTestKey } from '../support/saml-certs.ts';
import { spMetadataXml } from '../support/sp-metadata.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { xmlsecVerify } from '../support/xmlsec.ts';
import { signElement } from '../../src/idp/saml/xml/sign.ts';
import { parseRawQuery, verifyRedirectSignature } from '../../src/idp/saml/xml/redirect-signature.ts';
import { inflateRawSync } from 'node:zlib';

// The SAML endpoints over HTTP, without a browser: metadata and certificate downloads, hostile and
// broken requests (error page, no stack trace, nothing consumed), status Responses to the SP,
// IdP-initiated starts.

const NS_P = 'urn:oasis:names:tc:SAML:2.0:protocol';
const NS_A = 'urn:oasis:names:tc:SAML:2.0:assertion';
const spKey = makeTestKey('strict-sp');
const SP = 'https://strict.sp.test/metadata';
const OPEN_SP = 'https://open.sp.test/metadata';

let latch: InProcessLatch;
let counter = 0;

before(async () => {
  latch = await startTestLatch({
    host: 'localhost',
    config: {
      saml: {
        signMetadata: true,
        serviceProviders: {
          strict: {
            metadataXml: spMetadataXml({
              entityId: SP,
              acs: ['https://strict.sp.test/acs'],
              sloUrl: 'https://strict.sp.test/slo',
              certificatePem: spKey.certificatePem,
              authnRequestsSigned: true,
            }),
          },
          open: {
            metadataXml: spMetadataXml({ entityId: OPEN_SP, acs: ['https://open.sp.test/acs'] }),
            defaultRelayState: '/start',
          },
        },
      },
    },
  });
});
after(async () => {
  await latch?.stop();
});

function request(issuer: string, attrs: Record<string, string> = {}, inner = ''): { id: string; xml: string } {
  const id = attrs.ID ?? `_t${++counter}x${Date.now()}`;
  const all = {
    Version: '2.0',
    IssueInstant: new Date().toISOString(),
    Destination: `${latch.url}/saml2/idp/sso`,
    ...attrs,
    ID: id,
  };
  const a = Object.entries(all)
    .map(([k, v]) => ` ${k}="${v}"`)
    .join('');
  return {
    id,
    xml: `<samlp:AuthnRequest xmlns:samlp="${NS_P}" xmlns:saml="${NS_A}"${a}><saml:Issuer>${issuer}</saml:Issuer>${inner}</samlp:AuthnRequest>`,
  };
}
const postSso = (xml: string, relayState?: string) =>
  fetch(`${latch.url}/saml2/idp/sso`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams({
      SAMLRequest: Buffer.from(xml).toString('base64'),
      ...(relayState ? { RelayState: relayState } : {}),
    }),
  });
const getSso = (xml: string) =>
  fetch(`${latch.url}/saml2/idp/sso?SAMLRequest=${encodeURIComponent(deflateRawSync(xml).toString('base64'))}`, {
    redirect: 'manual',
    headers: { accept: 'text/html' },
  });

async function errorPage(res: Response, pattern: RegExp) {
  const body = await res.text();
  assert.equal(res.status, 400, body);
  assert.match(body, pattern);
  assert.doesNotMatch(body, /SAMLResponse|\bat .*\.ts:\d+|Error:/, 'no response to the SP and no stack trace');
}
function postedResponse(body: string): { action: string; xml: string; relayState?: string } {
  const action = /<form method="post" action="([^"]+)"/.exec(body)?.[1] ?? '';
  const value = /name="SAMLResponse" value="([^"]+)"/.exec(body)?.[1] ?? '';
  const relayState = /name="RelayState" value="([^"]*)"/.exec(body)?.[1];
  return {
    action,
    xml: Buffer.from(value, 'base64').toString('utf8'),
    ...(relayState !== undefined ? { relayState } : {}),
  };
}

it('metadata for viewing and download, signed and verifiable; the certificate as PEM', async () => {
  const view = await fetch(`${latch.url}/saml2/idp/metadata`);
  assert.equal(view.headers.get('content-type'), 'application/samlmetadata+xml');
  assert.equal(view.headers.get('content-disposition'), null);
  const xml = await view.text();
  const download = await fetch(`${latch.url}/saml2/idp/metadata?download=1`);
  assert.match(download.headers.get('content-disposition') ?? '', /^attachment; filename="latch-idp-metadata.xml"/);
  const cert = await fetch(`${latch.url}/saml2/idp/certificate`);
  assert.match(cert.headers.get('content-disposition') ?? '', /attachment; filename="latch-idp-signing.pem"/);
  const pem = await cert.text();
  const parsed = new X509Certificate(pem);
  assert.ok(xml.includes(parsed.raw.toString('base64')), 'the downloaded certificate is the one in the metadata');
  xmlsecVerify(xml, pem, 'EntityDescriptor');
});

it('XSW, XXE, unknown SPs and unregistered ACS URLs get an error page, and consume nothing', async () => {
  const good = request(SP, { AssertionConsumerServiceURL: 'https://strict.sp.test/acs' });
  const signed = signElement(good.xml, good.id, spKey, 'rsa-sha256');
  // Wrap the genuine signed request inside an evil one that asks for another ACS… (the SP's own ID reused)
  const doc = new DOMParser().parseFromString(signed, 'text/xml');
  const evil = new DOMParser().parseFromString(
    request(SP, { ID: `${good.id}`, AssertionConsumerServiceURL: 'https://strict.sp.test/acs' }, '<samlp:Extensions/>')
      .xml,
    'text/xml',
  );
  evil.getElementsByTagNameNS(NS_P, 'Extensions')[0]!.appendChild(doc.documentElement!);
  await errorPage(await postSso(new XMLSerializer().serializeToString(evil)), /could not be read/);
  await errorPage(
    await postSso('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + request(OPEN_SP).xml),
    /could not be read/,
  );
  await errorPage(await postSso(request('https://unknown.test').xml), /not registered/);
  await errorPage(
    await postSso(request(OPEN_SP, { AssertionConsumerServiceURL: 'https://attacker.test/acs' }).xml),
    /not registered/,
  );
  await errorPage(
    await getSso(
      request(OPEN_SP).xml.replace(
        '</saml:Issuer>',
        '</saml:Issuer><samlp:Extensions>' + '<a>'.repeat(40) + '</a>'.repeat(40) + '</samlp:Extensions>',
      ),
    ),
    /could not be read/,
  );
  // The genuine request still works afterwards: the refusals did not use up its ID.
  const res = await postSso(signed);
  assert.equal(res.status, 302);
  assert.match(res.headers.get('location') ?? '', /^\/login\?tx=/);
  await errorPage(await postSso(signed), /already used/);
});

it('requests the SP should hear about are answered at its ACS with a signed status Response', async () => {
  const passive = await postSso(request(OPEN_SP, { IsPassive: 'true' }).xml, 'rs-1');
  assert.equal(passive.status, 200);
  const answer = postedResponse(await passive.text());
  assert.equal(answer.action, 'https://open.sp.test/acs');
  assert.equal(answer.relayState, 'rs-1');
  assert.match(answer.xml, /status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:NoPassive"/);
  assert.doesNotMatch(answer.xml, /Assertion/);
  const cert = await (await fetch(`${latch.url}/saml2/idp/certificate`)).text();
  xmlsecVerify(answer.xml, cert, 'Response');

  const policy = postedResponse(
    await (
      await postSso(
        request(OPEN_SP, {}, '<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName"/>')
          .xml,
      )
    ).text(),
  );
  assert.match(policy.xml, /InvalidNameIDPolicy/);
  const unsigned = postedResponse(await (await postSso(request(SP).xml)).text());
  assert.equal(unsigned.action, 'https://strict.sp.test/acs');
  assert.match(unsigned.xml, /RequestDenied/);
});

it('IdP-initiated sign-in: registered SPs only', async () => {
  const unknown = await fetch(`${latch.url}/saml2/idp/init?sp=${encodeURIComponent('https://nobody.test')}`, {
    headers: { accept: 'text/html' },
  });
  assert.equal(unknown.status, 404);
  const start = await fetch(`${latch.url}/saml2/idp/init?sp=${encodeURIComponent(OPEN_SP)}`, { redirect: 'manual' });
  assert.equal(start.status, 302);
  assert.match(start.headers.get('location') ?? '', /^\/login\?tx=/);
});

it('SP-initiated logout over HTTP-POST: signed requests only, answered with a signed LogoutResponse, once', async () => {
  const id = `_lo${Date.now()}`;
  const logout =
    `<samlp:LogoutRequest xmlns:samlp="${NS_P}" xmlns:saml="${NS_A}" ID="${id}" Version="2.0" IssueInstant="${new Date().toISOString()}" ` +
    `Destination="${latch.url}/saml2/idp/slo"><saml:Issuer>${SP}</saml:Issuer><saml:NameID>someone</saml:NameID><samlp:SessionIndex>_nosuch</samlp:SessionIndex></samlp:LogoutRequest>`;
  const post = (xml: string) =>
    fetch(`${latch.url}/saml2/idp/slo`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ SAMLRequest: Buffer.from(xml).toString('base64'), RelayState: 'sp-state' }),
    });
  await errorPage(await post(logout), /not signed/);
  const signed = signElement(logout, id, spKey, 'rsa-sha256');
  const res = await post(signed);
  assert.equal(res.status, 302);
  const location = new URL(res.headers.get('location')!);
  assert.equal(`${location.origin}${location.pathname}`, 'https://strict.sp.test/slo');
  const query = parseRawQuery(location.search);
  const cert = await (await fetch(`${latch.url}/saml2/idp/certificate`)).text();
  assert.equal(verifyRedirectSignature(query, 'SAMLResponse', { certificates: [cert] }), true);
  assert.equal(query.values.get('RelayState'), 'sp-state');
  const response = inflateRawSync(Buffer.from(query.values.get('SAMLResponse')!, 'base64')).toString('utf8');
  assert.match(response, new RegExp(`<samlp:LogoutResponse [^>]*InResponseTo="${id}"`));
  assert.match(response, /StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/);
  await errorPage(await post(signed), /already used/);
});
