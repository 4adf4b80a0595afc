import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { it } from 'mocha';
import { SignedXml } from 'xml-crypto';
import assert from 'node:assert/strict';
import { makeSigningKey, makeTestKey } from '../../../test/support/saml-certs.ts';
import { alice, testSp } from '../../../test/support/saml-fixtures.ts';
import { xmlsecDecrypt, xmlsecVerify } from '../../../test/support/xmlsec.ts';
import { mapAttributes } from './attributes.ts';
import { idpIdentity } from './idp-identity.ts';
import { buildIdpMetadata } from './idp-metadata.ts';
import { makeNameId } from './name-id.ts';
import { buildStatusResponse, buildSuccessResponse, type ResponseTarget } from './response.ts';
import { STATUS } from './status.ts';
import { NS } from './xml/namespaces.ts';
import { parseXml, requiredChild, textOf } from './xml/parse.ts';
import { verifySignedElement } from './xml/verify-signed-element.ts';
import { parseSpMetadata } from './sp-metadata.ts';

const key = makeSigningKey('k1');
const next = makeSigningKey('k2', 'next');
const spKey = makeTestKey('sp');
const idp = idpIdentity('http://localhost:8080', {});
const now = Date.now();

function target(sp = testSp()): ResponseTarget {
  return { sp, idp, acsUrl: 'https://sp.test/acs', inResponseTo: '_req1', key, now };
}
function content(sp = testSp()) {
  return {
    nameId: makeNameId({
      user: alice,
      format: sp.options.nameIdFormat,
      attribute: sp.options.nameIdAttribute,
      idpEntityId: idp.entityId,
      spEntityId: sp.entityId,
      persistentSecret: Buffer.alloc(32, 7),
    }),
    attributes: mapAttributes(alice, sp.options.attributes),
    authnInstant: now - 1000,
    authnContextClassRef: 'https://refeds.org/profile/mfa',
    sessionIndex: '_s1',
    assertionLifetimeMs: 300_000,
  };
}

it('a default Response: both signed, verified by xmlsec1 and by our own check, with the right content', () => {
  const xml = buildSuccessResponse(target(), content());
  xmlsecVerify(xml, key.certificatePem!, 'Response');
  xmlsecVerify(xml, key.certificatePem!, 'Assertion');
  const doc = parseXml(xml);
  const response = doc.documentElement!;
  verifySignedElement(doc, response, { certificates: [key.certificatePem!] });
  const assertion = requiredChild(response, NS.assertion, 'Assertion');
  verifySignedElement(doc, assertion, { certificates: [key.certificatePem!] });
  assert.equal(response.getAttribute('Destination'), 'https://sp.test/acs');
  assert.equal(response.getAttribute('InResponseTo'), '_req1');
  const subject = requiredChild(assertion, NS.assertion, 'Subject');
  assert.equal(textOf(requiredChild(subject, NS.assertion, 'NameID')), 'alice');
  const data = subject.getElementsByTagNameNS(NS.assertion, 'SubjectConfirmationData')[0]!;
  assert.equal(data.getAttribute('Recipient'), 'https://sp.test/acs');
  assert.equal(data.getAttribute('InResponseTo'), '_req1');
  assert.equal(textOf(assertion.getElementsByTagNameNS(NS.assertion, 'Audience')[0]!), 'https://sp.test/metadata');
  assert.equal(
    textOf(assertion.getElementsByTagNameNS(NS.assertion, 'AuthnContextClassRef')[0]!),
    'https://refeds.org/profile/mfa',
  );
  assert.ok(
    Date.parse(assertion.getElementsByTagNameNS(NS.assertion, 'Conditions')[0]!.getAttribute('NotBefore')!) < now,
  );
  const values = Array.from(assertion.getElementsByTagNameNS(NS.assertion, 'Attribute')).map((a) => [
    a.getAttribute('Name'),
    Array.from(a.getElementsByTagNameNS(NS.assertion, 'AttributeValue')).map((v) => textOf(v)),
  ]);
  assert.deepEqual(values, [
    ['urn:oid:0.9.2342.19200300.100.1.3', ['alice@example.test']],
    ['groups', ['staff', 'wiki-editors']],
  ]);
  assert.match(xml, /rsa-sha256/);
  assert.doesNotMatch(xml, /rsa-sha1"/);
});

it('assertion-only signing with RSA-SHA512; response-only signing', () => {
  const sp = testSp({}, { signResponse: false, signatureAlgorithm: 'rsa-sha512' });
  const xml = buildSuccessResponse(target(sp), content(sp));
  assert.equal((xml.match(/<ds:Signature /g) ?? []).length, 1);
  assert.match(xml, /xmldsig-more#rsa-sha512/);
  xmlsecVerify(xml, key.certificatePem!, 'Assertion');
  const responseOnly = testSp({}, { signAssertion: false });
  const xml2 = buildSuccessResponse(target(responseOnly), content(responseOnly));
  assert.equal((xml2.match(/<ds:Signature /g) ?? []).length, 1);
  xmlsecVerify(xml2, key.certificatePem!, 'Response');
  assert.throws(() => xmlsecVerify(xml2, makeTestKey('other').certificatePem, 'Response'));
});

for (const algorithm of ['aes256-gcm', 'aes128-cbc'] as const) {
  it(`encrypted assertion (${algorithm}) decrypts with the SP key alone and its signature verifies`, () => {
    const sp = testSp(
      { encryptionCertificates: [spKey.certificatePem] },
      {
        encryptAssertion: true,
        encryptionAlgorithm: algorithm,
        nameIdFormat: 'emailAddress',
        nameIdAttribute: 'email',
      },
    );
    const xml = buildSuccessResponse(target(sp), content(sp));
    assert.doesNotMatch(xml, /alice@example\.test/);
    xmlsecVerify(xml, key.certificatePem!, 'Response');
    const decrypted = xmlsecDecrypt(xml, spKey.privateKeyPem);
    assert.match(
      decrypted,
      /<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">alice@example.test<\/saml:NameID>/,
    );
    xmlsecVerify(decrypted, key.certificatePem!, 'Assertion');
  });
}

it('status Responses carry no assertion and are signed', () => {
  const xml = buildStatusResponse(target(), { code: STATUS.responder, subCode: STATUS.noPassive });
  xmlsecVerify(xml, key.certificatePem!, 'Response');
  assert.match(
    xml,
    /<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:NoPassive"\/>/,
  );
  assert.doesNotMatch(xml, /Assertion/);
});

it('persistent NameIDs are stable per SP and differ between SPs', () => {
  const input = {
    user: alice,
    format: 'persistent' as const,
    attribute: 'username',
    idpEntityId: idp.entityId,
    spEntityId: 'https://a',
    persistentSecret: Buffer.alloc(32, 1),
  };
  assert.equal(makeNameId(input).value, makeNameId(input).value);
  assert.notEqual(makeNameId(input).value, makeNameId({ ...input, spEntityId: 'https://b' }).value);
  assert.throws(
    () => makeNameId({ ...input, format: 'emailAddress', user: { ...alice, email: undefined } }),
    /no value/,
  );
});

it('IdP metadata publishes current and next signing keys, both bindings, and verifies when signed', () => {
  const xml = buildIdpMetadata({
    identity: idp,
    keys: [key, next],
    wantAuthnRequestsSigned: false,
    scopes: ['example.test'],
    sign: true,
  });
  xmlsecVerify(xml, key.certificatePem!, 'EntityDescriptor');
  const doc = parseXml(xml);
  assert.equal(doc.documentElement!.getAttribute('entityID'), 'http://localhost:8080/saml2/idp/metadata');
  const descriptors = Array.from(doc.getElementsByTagNameNS(NS.metadata, 'KeyDescriptor'));
  assert.deepEqual(
    descriptors.map((d) => d.getAttribute('use')),
    ['signing', 'signing'],
  );
  const sso = Array.from(doc.getElementsByTagNameNS(NS.metadata, 'SingleSignOnService')).map((e) =>
    e.getAttribute('Binding')!.split(':').pop(),
  );
  const slo = Array.from(doc.getElementsByTagNameNS(NS.metadata, 'SingleLogoutService')).map((e) =>
    e.getAttribute('Location'),
  );
  assert.deepEqual(sso, ['HTTP-Redirect', 'HTTP-POST']);
  assert.deepEqual(slo, ['http://localhost:8080/saml2/idp/slo', 'http://localhost:8080/saml2/idp/slo']);
  assert.match(xml, /<shibmd:Scope regexp="false">example.test<\/shibmd:Scope>/);
  // Our own SP-metadata reader must not take it for an SP.
  assert.throws(() => parseSpMetadata(xml), /SPSSODescriptor/);
});

/** xml-crypto's own check of the signature on the element with local name `local` (its KeyInfo ignored: our certificate only). */
function xmlCryptoVerify(xml: string, local: string): void {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const signed = Array.from(doc.getElementsByTagName('*')).find((e) => e.localName === local)!;
  const signature = Array.from(signed.getElementsByTagNameNS(NS.dsig, 'Signature')).find(
    (e) => e.parentNode === signed,
  );
  assert.ok(signature, `${local} carries a signature`);
  const verifier = new SignedXml({ publicCert: key.certificatePem!, getCertFromKeyInfo: () => null });
  verifier.loadSignature(new XMLSerializer().serializeToString(signature));
  assert.equal(verifier.checkSignature(xml), true, `xml-crypto verifies the ${local} signature`);
}

// A user whose name and attributes need every kind of escaping, and are not ASCII.
const awkward = {
  ...alice,
  username: 'zoë.ñ<&>"\'',
  displayName: 'Zoë "Z" O\'Brien & Söhne <ops>',
  email: 'zoë@exämple.test',
  groups: ['R&D', 'a<b>c', 'tab\there', 'line\nbreak', 'ünïcödé 𝄞'],
};

for (const algorithm of ['rsa-sha256', 'rsa-sha512'] as const) {
  for (const [signResponse, signAssertion] of [
    [true, true],
    [true, false],
    [false, true],
  ] as const) {
    for (const encryption of [undefined, 'aes256-gcm', 'aes128-cbc'] as const) {
      const what = `${signResponse ? 'Response' : ''}${signResponse && signAssertion ? ' and ' : ''}${signAssertion ? 'Assertion' : ''} signed (${algorithm})${encryption ? `, assertion encrypted (${encryption})` : ''}`;
      it(`every option verifies with xmlsec1 and xml-crypto: ${what}`, () => {
        const sp = testSp(
          { encryptionCertificates: [spKey.certificatePem] },
          {
            signResponse,
            signAssertion,
            signatureAlgorithm: algorithm,
            encryptAssertion: encryption !== undefined,
            encryptionAlgorithm: encryption ?? 'aes256-gcm',
            attributes: { displayName: 'displayName', email: 'mail', groups: 'groups' },
          },
        );
        const user = {
          target: target(sp),
          content: {
            ...content(sp),
            nameId: { format: 'unspecified' as const, value: awkward.username },
            attributes: mapAttributes(awkward, sp.options.attributes),
          },
        };
        const xml = buildSuccessResponse(user.target, user.content);
        // The Response is signed whenever the assertion is not (an unsigned response is refused everywhere).
        if (signResponse || !signAssertion) {
          xmlsecVerify(xml, key.certificatePem!, 'Response');
          xmlCryptoVerify(xml, 'Response');
        }
        const assertionXml = encryption ? xmlsecDecrypt(xml, spKey.privateKeyPem) : xml;
        if (signAssertion) {
          xmlsecVerify(assertionXml, key.certificatePem!, 'Assertion');
          xmlCryptoVerify(assertionXml, 'Assertion');
        }
        const values = Array.from(
          new DOMParser()
            .parseFromString(assertionXml, 'text/xml')
            .getElementsByTagNameNS(NS.assertion, 'AttributeValue'),
        ).map((v) => v.textContent);
        assert.deepEqual(
          values,
          [awkward.displayName, awkward.email, ...awkward.groups],
          'every value reads back exactly',
        );
      });
    }
  }
}
