import { after, before, it } from 'mocha';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { signElement } from '../../src/idp/saml/xml/sign.ts';
import { startTestLatch, type LatchProcess } from '../support/latch.ts';
import { scratchDir } from '../support/temp.ts';
import { makeTestKey } from '../support/saml-certs.ts';
import { spMetadataXml } from '../support/sp-metadata.ts';
import { makeTestCertificates } from '../support/test-ca.ts';

// The real `latch serve`, as an operator starts it, with an SP registered by metadata URL on an
// HTTPS server it trusts through NODE_EXTRA_CA_CERTS: metadata that is unsigned, or only reachable
// through a redirect to http://, stops Latch with an error naming the SP; signed metadata behind
// an https:// redirect registers the SP.

const ENTITY = 'https://partner.sp.test/metadata';
const signer = makeTestKey('partner-federation');
const metadata = () =>
  spMetadataXml({ entityId: ENTITY, acs: ['https://partner.sp.test/acs'] }).replace(/^<\?xml[^>]*>\n/, '');
const signed = () =>
  signElement(metadata().replace(' entityID=', ' ID="_partner" entityID='), '_partner', signer, 'rsa-sha256', 'first');

let secure: https.Server;
let plain: http.Server;
let httpsBase = '';
let httpBase = '';
let caFile = '';
let latch: LatchProcess | undefined;

before(async () => {
  const dir = scratchDir('latch-md-https-');
  const certs = await makeTestCertificates(dir);
  caFile = certs.caFile;
  const routes: Record<string, (res: http.ServerResponse) => void> = {
    '/unsigned.xml': (res) => res.end(metadata()),
    '/signed.xml': (res) => res.end(signed()),
    '/moved': (res) => res.writeHead(301, { location: `${httpsBase}/signed.xml` }).end(),
    '/to-http': (res) => res.writeHead(302, { location: `${httpBase}/signed.xml` }).end(),
  };
  const serve = (req: http.IncomingMessage, res: http.ServerResponse) =>
    (routes[req.url ?? ''] ?? ((r) => r.writeHead(404).end()))(res);
  secure = https.createServer({ key: readFileSync(certs.keyFile), cert: readFileSync(certs.certFile) }, serve);
  plain = http.createServer(serve);
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  httpsBase = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
  httpBase = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
});
after(async () => {
  await latch?.stop();
  secure?.close();
  plain?.close();
});

/** Matches this text literally, with any port where it says PORT. */
const literal = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/PORT/g, '\\d+'));

const start = (partner: Record<string, unknown>) =>
  startTestLatch({
    run: 'process',
    env: { NODE_EXTRA_CA_CERTS: caFile },
    config: { saml: { serviceProviders: { partner } } },
  });

/** What Latch says when it refuses to start (and stops it, failing, if it starts). */
async function startError(partner: Record<string, unknown>): Promise<string> {
  let started: LatchProcess;
  try {
    started = await start(partner);
  } catch (err) {
    return (err as Error).message;
  }
  await started.stop();
  assert.fail('Latch started');
}

it('unsigned metadata, when the SP options name its signing certificate, stops Latch with an error naming the SP', async () => {
  const message = await startError({
    metadataUrl: `${httpsBase}/unsigned.xml`,
    metadataSigningCertificate: signer.certificatePem,
  });
  assert.match(message, /Latch cannot start/);
  assert.match(
    message,
    literal(
      'saml.serviceProviders.partner.metadataUrl: the metadata from https://127.0.0.1:PORT/unsigned.xml ' +
        'is not signed, but metadataSigningCertificate is set',
    ),
  );
});

it('metadata behind a redirect to http:// is not fetched, and Latch says why', async () => {
  const message = await startError({ metadataUrl: `${httpsBase}/to-http` });
  assert.match(
    message,
    literal(
      'saml.serviceProviders.partner.metadataUrl: https://127.0.0.1:PORT/to-http could not be fetched ' +
        '(it redirects to http://127.0.0.1:PORT/signed.xml; only redirects from https:// to https:// are followed)',
    ),
  );
});

it('signed metadata behind an https:// redirect registers the SP', async () => {
  latch = await start({ metadataUrl: `${httpsBase}/moved`, metadataSigningCertificate: signer.certificatePem });
  const request =
    `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ` +
    `ID="_partner1" Version="2.0" IssueInstant="${new Date().toISOString()}"><saml:Issuer>${ENTITY}</saml:Issuer></samlp:AuthnRequest>`;
  const res = await fetch(`${latch.url}/saml2/idp/sso`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ SAMLRequest: Buffer.from(request).toString('base64') }),
  });
  assert.equal(res.status, 302, await res.text());
  assert.match(res.headers.get('location') ?? '', /^\/login\?tx=/);
});
