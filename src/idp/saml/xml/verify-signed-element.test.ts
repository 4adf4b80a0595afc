import { it } from 'mocha';
import assert from 'node:assert/strict';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { makeTestKey } from '../../../../test/support/saml-certs.ts';
import { NS } from './namespaces.ts';
import { parseXml, requiredChild, textOf, XmlRejected, type XmlDocument, type XmlElement } from './parse.ts';
import { signElement } from './sign.ts';
import { parseSignedMessage } from './signed-message.ts';
import { verifySignedElement } from './verify-signed-element.ts';

// The signature-wrapping corpus (SAML Raider's XSW1–8, adapted) and other ways to make a verifier
// check one thing while the reader reads another. Every attack must be refused.

const sp = makeTestKey('sp');
const attacker = makeTestKey('attacker');
const trust = { certificates: [sp.certificatePem] };

const assertionXml = (id: string, user: string) =>
  `<saml:Assertion xmlns:saml="${NS.assertion}" ID="${id}" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">` +
  `<saml:Issuer>https://idp.test</saml:Issuer><saml:Subject><saml:NameID>${user}</saml:NameID></saml:Subject></saml:Assertion>`;
const responseXml = (id: string, assertion: string) =>
  `<samlp:Response xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${id}" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">` +
  `<saml:Issuer>https://idp.test</saml:Issuer>${assertion}</samlp:Response>`;
const requestXml = (id: string, issuer = 'https://sp.test') =>
  `<samlp:AuthnRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${id}" Version="2.0" ` +
  `IssueInstant="2026-01-01T00:00:00Z" AssertionConsumerServiceURL="https://sp.test/acs"><saml:Issuer>${issuer}</saml:Issuer>` +
  `<samlp:NameIDPolicy AllowCreate="true"/></samlp:AuthnRequest>`;

const signedAssertionResponse = () =>
  responseXml('_r1', signElement(assertionXml('_a1', 'alice'), '_a1', sp, 'rsa-sha256'));
const signedResponse = () => signElement(responseXml('_r1', assertionXml('_a1', 'alice')), '_r1', sp, 'rsa-sha256');
const signedRequest = () => signElement(requestXml('_q1'), '_q1', sp, 'rsa-sha256');

const dom = (xml: string) => new DOMParser().parseFromString(xml, 'text/xml');
const text = (doc: XmlDocument) => new XMLSerializer().serializeToString(doc);
const el = (doc: XmlDocument, ns: string, name: string, index = 0) =>
  doc.getElementsByTagNameNS(ns, name)[index] as XmlElement;

/** What a consumer of a Response reads: the one Assertion under the root, verified, then its NameID. */
function readAssertionUser(xml: string): string {
  const doc = parseXml(xml);
  const assertion = requiredChild(doc.documentElement!, NS.assertion, 'Assertion');
  verifySignedElement(doc, assertion, trust);
  return textOf(requiredChild(requiredChild(assertion, NS.assertion, 'Subject'), NS.assertion, 'NameID'));
}
/** Same, for a consumer that trusts a signed Response root and reads its Assertion. */
function readResponseUser(xml: string): string {
  const doc = parseXml(xml);
  verifySignedElement(doc, doc.documentElement!, trust);
  const assertion = requiredChild(doc.documentElement!, NS.assertion, 'Assertion');
  return textOf(requiredChild(requiredChild(assertion, NS.assertion, 'Subject'), NS.assertion, 'NameID'));
}

const refused = (fn: () => unknown) => assert.throws(fn, XmlRejected);

it('genuine signatures verify and the signed values are read', () => {
  assert.equal(readAssertionUser(signedAssertionResponse()), 'alice');
  assert.equal(readResponseUser(signedResponse()), 'alice');
  assert.equal(
    parseSignedMessage(signedRequest(), { expect: ['AuthnRequest'], trust, requireSignature: true }).signed,
    true,
  );
});

it('XSW1: evil Response root, original signed Response inside its Signature', () => {
  const doc = dom(signedResponse());
  const original = doc.documentElement!.cloneNode(true) as XmlElement;
  const root = doc.documentElement!;
  root.setAttribute('ID', '_evil');
  el(doc, NS.assertion, 'NameID').textContent = 'admin';
  el(doc, NS.dsig, 'Signature').appendChild(original);
  refused(() => readResponseUser(text(doc)));
});

it('XSW2: evil Response root, original signed Response as a detached sibling before the Signature', () => {
  const doc = dom(signedResponse());
  const original = doc.documentElement!.cloneNode(true) as XmlElement;
  original.removeChild(original.getElementsByTagNameNS(NS.dsig, 'Signature')[0]!);
  const root = doc.documentElement!;
  root.setAttribute('ID', '_evil');
  el(doc, NS.assertion, 'NameID').textContent = 'admin';
  root.insertBefore(original, el(doc, NS.dsig, 'Signature'));
  refused(() => readResponseUser(text(doc)));
});

it('XSW3: unsigned evil Assertion inserted before the signed one', () => {
  const doc = dom(signedAssertionResponse());
  const evil = dom(assertionXml('_evil', 'admin')).documentElement!;
  doc.documentElement!.insertBefore(evil, el(doc, NS.assertion, 'Assertion'));
  refused(() => readAssertionUser(text(doc)));
});

it('XSW4: evil Assertion wrapping the signed one', () => {
  const doc = dom(signedAssertionResponse());
  const original = el(doc, NS.assertion, 'Assertion');
  const evil = dom(assertionXml('_evil', 'admin')).documentElement!;
  doc.documentElement!.replaceChild(evil, original);
  evil.appendChild(original);
  refused(() => readAssertionUser(text(doc)));
});

it('XSW5: signature copied into an evil Assertion with the same ID, original kept elsewhere', () => {
  const doc = dom(signedAssertionResponse());
  const original = el(doc, NS.assertion, 'Assertion');
  const evil = original.cloneNode(true) as XmlElement;
  (evil.getElementsByTagNameNS(NS.assertion, 'NameID')[0] as XmlElement).textContent = 'admin';
  const extensions = doc.createElementNS(NS.protocol, 'samlp:Extensions');
  doc.documentElement!.replaceChild(evil, original);
  original.removeChild(original.getElementsByTagNameNS(NS.dsig, 'Signature')[0]!);
  extensions.appendChild(original);
  doc.documentElement!.appendChild(extensions);
  refused(() => readAssertionUser(text(doc)));
});

it('XSW6: evil Assertion carrying the signature, original Assertion inside the Signature', () => {
  const doc = dom(signedAssertionResponse());
  const original = el(doc, NS.assertion, 'Assertion');
  const copy = original.cloneNode(true) as XmlElement;
  copy.removeChild(copy.getElementsByTagNameNS(NS.dsig, 'Signature')[0]!);
  (original.getElementsByTagNameNS(NS.assertion, 'NameID')[0] as XmlElement).textContent = 'admin';
  original.setAttribute('ID', '_evil');
  el(doc, NS.dsig, 'Signature').appendChild(copy);
  refused(() => readAssertionUser(text(doc)));
});

it('XSW7: signed Assertion hidden in Extensions, unsigned evil Assertion read', () => {
  const doc = dom(signedAssertionResponse());
  const original = el(doc, NS.assertion, 'Assertion');
  const extensions = doc.createElementNS(NS.protocol, 'samlp:Extensions');
  doc.documentElement!.replaceChild(extensions, original);
  extensions.appendChild(original);
  doc.documentElement!.appendChild(dom(assertionXml('_evil', 'admin')).documentElement!);
  refused(() => readAssertionUser(text(doc)));
});

it('XSW8: evil Assertion keeps the ID and signature; original inside ds:Object', () => {
  const doc = dom(signedAssertionResponse());
  const original = el(doc, NS.assertion, 'Assertion');
  const copy = original.cloneNode(true) as XmlElement;
  copy.removeChild(copy.getElementsByTagNameNS(NS.dsig, 'Signature')[0]!);
  (original.getElementsByTagNameNS(NS.assertion, 'NameID')[0] as XmlElement).textContent = 'admin';
  const object = doc.createElementNS(NS.dsig, 'ds:Object');
  object.appendChild(copy);
  el(doc, NS.dsig, 'Signature').appendChild(object);
  refused(() => readAssertionUser(text(doc)));
});

it('signed request wrapped in an unsigned one (samlify #634 / GHSA-63ch-w8pw-4mf2 pattern)', () => {
  const evil = dom(requestXml('_evil', 'https://evil.test'));
  const extensions = evil.createElementNS(NS.protocol, 'samlp:Extensions');
  extensions.appendChild(dom(signedRequest()).documentElement!);
  evil.documentElement!.appendChild(extensions);
  assert.throws(
    () => parseSignedMessage(text(evil), { expect: ['AuthnRequest'], trust, requireSignature: true }),
    /only allowed directly/,
  );
  assert.throws(
    () => parseSignedMessage(text(evil), { expect: ['AuthnRequest'], trust, requireSignature: false }),
    /only allowed directly/,
  );
});

it('signed request with its signature moved onto an evil root', () => {
  const doc = dom(signedRequest());
  doc.documentElement!.setAttribute('ID', '_evil');
  refused(() => parseSignedMessage(text(doc), { expect: ['AuthnRequest'], trust, requireSignature: true }));
});

it('tampered content, unsigned message, duplicate IDs', () => {
  refused(() => readAssertionUser(signedAssertionResponse().replace('>alice<', '>admin<')));
  assert.throws(
    () => parseSignedMessage(requestXml('_q'), { expect: ['AuthnRequest'], trust, requireSignature: true }),
    /must be signed/,
  );
  const dup = signedAssertionResponse().replace(
    '<saml:Issuer>https://idp.test</saml:Issuer><saml:Assertion',
    '<saml:Issuer ID="_a1">https://idp.test</saml:Issuer><saml:Assertion',
  );
  assert.throws(() => readAssertionUser(dup), /appears more than once/);
});

it('only configured certificates count; a KeyInfo certificate is ignored', () => {
  // Signed by the attacker, with the attacker's certificate in KeyInfo.
  const forged = responseXml('_r1', signElement(assertionXml('_a1', 'admin'), '_a1', attacker, 'rsa-sha256'));
  assert.ok(forged.includes('<ds:X509Certificate>'));
  assert.throws(() => readAssertionUser(forged), /does not verify with any configured certificate/);
  assert.throws(
    () => verifySignedElement(parseXml(forged), parseXml(forged).documentElement!, { certificates: [] }),
    /no certificate/,
  );
});

it('SHA-1 only when configured', () => {
  const sha1 = responseXml('_r1', signElement(assertionXml('_a1', 'alice'), '_a1', sp, 'rsa-sha1'));
  assert.throws(() => readAssertionUser(sha1), /not allowed/);
  const doc = parseXml(sha1);
  verifySignedElement(doc, requiredChild(doc.documentElement!, NS.assertion, 'Assertion'), {
    ...trust,
    allowSha1: true,
  });
});

it('reference to the whole document, extra references and other transforms are refused', () => {
  const xml = signedRequest();
  refused(() =>
    parseSignedMessage(xml.replace('URI="#_q1"', 'URI=""'), {
      expect: ['AuthnRequest'],
      trust,
      requireSignature: true,
    }),
  );
  const withComments = xml.replace(
    /(<ds:Transform Algorithm="http:\/\/www.w3.org\/2001\/10\/xml-exc-c14n#)"/,
    '$1WithComments"',
  );
  assert.throws(
    () => parseSignedMessage(withComments, { expect: ['AuthnRequest'], trust, requireSignature: true }),
    /transforms/,
  );
  const twoRefs = xml.replace(/(<ds:Reference[\s\S]*<\/ds:Reference>)/, '$1$1');
  assert.throws(
    () => parseSignedMessage(twoRefs, { expect: ['AuthnRequest'], trust, requireSignature: true }),
    /references/,
  );
});

it('comment injection: the signature still verifies, but the value cannot be read truncated', () => {
  // Exclusive c14n drops comments, so this is "alice.evil.test" as far as the signature goes…
  const signedForLongName = responseXml(
    '_r1',
    signElement(assertionXml('_a1', 'alice.evil.test'), '_a1', sp, 'rsa-sha256'),
  );
  const injected = signedForLongName.replace('>alice.evil.test<', '>alice<!---->.evil.test<');
  const doc = parseXml(injected);
  verifySignedElement(doc, requiredChild(doc.documentElement!, NS.assertion, 'Assertion'), trust);
  // …and a reader that stopped at the comment would see "alice". Ours refuses to read it.
  assert.throws(() => readAssertionUser(injected), /only text/);
  const issuerInjected = signElement(requestXml('_q2', 'https://sp.test.evil'), '_q2', sp, 'rsa-sha256').replace(
    'https://sp.test.evil',
    'https://sp.test<!---->.evil',
  );
  const message = parseSignedMessage(issuerInjected, { expect: ['AuthnRequest'], trust, requireSignature: true });
  assert.throws(() => textOf(requiredChild(message.root, NS.assertion, 'Issuer')), /only text/);
});

it('unexpected roots and DTDs in signed messages are refused', () => {
  assert.throws(
    () => parseSignedMessage(signedAssertionResponse(), { expect: ['AuthnRequest'], trust, requireSignature: false }),
    /expected a SAML AuthnRequest/,
  );
  assert.throws(
    () =>
      parseSignedMessage('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + signedRequest(), {
        expect: ['AuthnRequest'],
        trust,
        requireSignature: true,
      }),
    /DOCTYPE/,
  );
});
