import { after, it } from 'mocha';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { openSqliteStore } from '../../store/sqlite.ts';
import { makeTestKey } from '../../../test/support/saml-certs.ts';
import { testSp } from '../../../test/support/saml-fixtures.ts';
import { readAuthnRequest, type IncomingRequest } from './authn-request.ts';
import { idpIdentity } from './idp-identity.ts';
import type { ServiceProvider } from './registry.ts';
import { SamlError, STATUS } from './status.ts';
import { NS } from './xml/namespaces.ts';
import { parseRawQuery } from './xml/redirect-signature.ts';
import { signedRedirectQuery, signElement } from './xml/sign.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'latch-authnreq-'));
const store = await openSqliteStore({ file: path.join(dir, 'store.sqlite') });
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const spKey = makeTestKey('sp');
const plain = testSp();
const strict = testSp(
  { entityId: 'https://strict.test', signingCertificates: [spKey.certificatePem] },
  { requireSignedRequests: true },
);
const sps = new Map<string, ServiceProvider>([
  [plain.entityId, plain],
  [strict.entityId, strict],
]);
const deps = {
  registry: { get: (id: string) => sps.get(id), all: () => [...sps.values()] },
  saml: { requestMaxAge: 300_000, maxMessageBytes: 64 * 1024 },
  identityFor: (sp: ServiceProvider) => idpIdentity('http://localhost:8080', {}, sp),
  store,
};
const SSO = 'http://localhost:8080/saml2/idp/sso';
let counter = 0;

function request(attrs: Record<string, string> = {}, inner = '', issuer = plain.entityId): { id: string; xml: string } {
  const id = attrs.ID ?? `_req${++counter}_${Date.now()}`;
  const all: Record<string, string> = {
    Version: '2.0',
    IssueInstant: new Date().toISOString(),
    Destination: SSO,
    AssertionConsumerServiceURL: 'https://sp.test/acs',
    ...attrs,
    ID: id,
  };
  const attrText = Object.entries(all)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => ` ${k}="${v}"`)
    .join('');
  return {
    id,
    xml: `<samlp:AuthnRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}"${attrText}><saml:Issuer>${issuer}</saml:Issuer>${inner}</samlp:AuthnRequest>`,
  };
}
const redirect = (xml: string, relayState?: string): IncomingRequest => {
  const message = deflateRawSync(xml).toString('base64');
  const query = `SAMLRequest=${encodeURIComponent(message)}${relayState ? `&RelayState=${encodeURIComponent(relayState)}` : ''}`;
  return { binding: 'redirect', message, query: parseRawQuery(query), ...(relayState ? { relayState } : {}) };
};
const post = (xml: string): IncomingRequest => ({ binding: 'post', message: Buffer.from(xml).toString('base64') });

async function refusedOnPage(input: IncomingRequest, pattern: RegExp) {
  await assert.rejects(
    readAuthnRequest(input, deps),
    (e: unknown) => e instanceof SamlError && e.replyTo === undefined && pattern.test(e.message),
  );
}
async function answered(input: IncomingRequest, subCode: string | undefined, code: string = STATUS.requester) {
  await assert.rejects(readAuthnRequest(input, deps), (e: unknown) => {
    assert.ok(e instanceof SamlError && e.replyTo, `expected an answerable error, got ${String(e)}`);
    assert.equal(e.samlStatus?.code, code);
    assert.equal(e.samlStatus?.subCode, subCode);
    assert.equal(e.replyTo.acsUrl, 'https://sp.test/acs');
    return true;
  });
}

it('a valid Redirect request is read, and its ID is single use', async () => {
  const { id, xml } = request(
    { ForceAuthn: 'true' },
    `<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/>`,
  );
  const read = await readAuthnRequest(redirect(xml, 'ss:mem:abc'), deps);
  assert.equal(read.id, id);
  assert.equal(read.acsUrl, 'https://sp.test/acs');
  assert.equal(read.relayState, 'ss:mem:abc');
  assert.equal(read.forceAuthn, true);
  assert.equal(read.isPassive, false);
  assert.equal(read.nameIdFormat, 'emailAddress');
  await refusedOnPage(redirect(xml), /already used/);
});

it('ACS by index or default; an unregistered ACS URL gets no answer', async () => {
  assert.equal(
    (
      await readAuthnRequest(
        post(request({ AssertionConsumerServiceURL: '', AssertionConsumerServiceIndex: '1' }).xml),
        deps,
      )
    ).acsUrl,
    'https://sp.test/acs2',
  );
  assert.equal(
    (await readAuthnRequest(post(request({ AssertionConsumerServiceURL: '' }).xml), deps)).acsUrl,
    'https://sp.test/acs',
  );
  await refusedOnPage(post(request({ AssertionConsumerServiceURL: 'https://evil.test/acs' }).xml), /not registered/);
  await refusedOnPage(post(request({ AssertionConsumerServiceURL: 'https://sp.test/acs/' }).xml), /not registered/);
  await refusedOnPage(
    post(request({ AssertionConsumerServiceURL: '', AssertionConsumerServiceIndex: '7' }).xml),
    /not registered/,
  );
});

it('unknown issuers, broken and hostile XML end on an error page', async () => {
  await refusedOnPage(post(request({}, '', 'https://unknown.test').xml), /not registered/);
  await refusedOnPage(
    post('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + request().xml),
    /could not be read/,
  );
  await refusedOnPage({ binding: 'post', message: '!!!' }, /could not be read/);
  await refusedOnPage(
    { binding: 'redirect', message: Buffer.from('not deflated').toString('base64') },
    /could not be read/,
  );
  const bomb = deflateRawSync(Buffer.alloc(10 * 1024 * 1024, 0x20)).toString('base64');
  await refusedOnPage({ binding: 'redirect', message: bomb }, /too large/);
  await refusedOnPage(post(request({}, '', 'https://sp.test<!---->/metadata').xml), /could not be read/);
});

it('Destination, IssueInstant, version, binding, NameIDPolicy and AuthnContext problems are answered to the SP', async () => {
  await answered(post(request({ Destination: 'https://other.test/sso' }).xml), undefined);
  await answered(
    post(request({ IssueInstant: new Date(Date.now() + 10 * 60_000).toISOString() }).xml),
    STATUS.requestDenied,
  );
  await answered(
    post(request({ IssueInstant: new Date(Date.now() - 60 * 60_000).toISOString() }).xml),
    STATUS.requestDenied,
  );
  await answered(post(request({ Version: '1.1' }).xml), undefined, STATUS.versionMismatch);
  await answered(
    post(request({ ProtocolBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact' }).xml),
    STATUS.unsupportedBinding,
    STATUS.responder,
  );
  await answered(
    post(request({}, '<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos"/>').xml),
    STATUS.invalidNameIdPolicy,
  );
  await answered(
    post(request({}, '<samlp:NameIDPolicy SPNameQualifier="https://affiliation.test"/>').xml),
    STATUS.invalidNameIdPolicy,
  );
  await answered(
    post(
      request(
        {},
        '<samlp:RequestedAuthnContext><saml:AuthnContextClassRef>urn:example:retina</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>',
      ).xml,
    ),
    STATUS.noAuthnContext,
  );
});

it('a refused request does not use up its ID', async () => {
  const bad = request({ Destination: 'https://other.test/sso' });
  await answered(post(bad.xml), undefined);
  const good = request({ ID: bad.id });
  assert.equal((await readAuthnRequest(post(good.xml), deps)).id, bad.id);
});

it('RequestedAuthnContext and IsPassive become constraints', async () => {
  const mfa = await readAuthnRequest(
    post(
      request(
        { IsPassive: 'true' },
        '<samlp:RequestedAuthnContext Comparison="exact"><saml:AuthnContextClassRef>https://refeds.org/profile/mfa</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>',
      ).xml,
    ),
    deps,
  );
  assert.deepEqual(mfa.acceptableLevels, ['mfa']);
  assert.deepEqual(mfa.requestedClasses, ['https://refeds.org/profile/mfa']);
  assert.equal(mfa.isPassive, true);
  const better = await readAuthnRequest(
    post(
      request(
        {},
        '<samlp:RequestedAuthnContext Comparison="better"><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>',
      ).xml,
    ),
    deps,
  );
  assert.deepEqual(better.acceptableLevels, ['mfa']);
});

it('an SP that must sign: unsigned is answered, bad signatures end on a page, good ones pass', async () => {
  const strictRequest = (attrs: Record<string, string> = {}) => request(attrs, '', strict.entityId);
  await answered(redirect(strictRequest().xml), STATUS.requestDenied);
  // HTTP-Redirect: signature over the raw query.
  const { xml } = strictRequest();
  const message = deflateRawSync(xml).toString('base64');
  const query = signedRedirectQuery('SAMLRequest', message, 'back', spKey, 'rsa-sha256');
  const ok = await readAuthnRequest(
    { binding: 'redirect', message, relayState: 'back', query: parseRawQuery(query) },
    deps,
  );
  assert.equal(ok.signed, true);
  const other = makeTestKey('other');
  const forgedQuery = signedRedirectQuery(
    'SAMLRequest',
    deflateRawSync(strictRequest().xml).toString('base64'),
    'back',
    other,
    'rsa-sha256',
  );
  const forged = parseRawQuery(forgedQuery);
  await refusedOnPage(
    { binding: 'redirect', message: forged.values.get('SAMLRequest')!, relayState: 'back', query: forged },
    /could not be read/,
  );
  // HTTP-POST: enveloped signature on the request.
  const signedPost = strictRequest();
  assert.equal(
    (await readAuthnRequest(post(signElement(signedPost.xml, signedPost.id, spKey, 'rsa-sha256')), deps)).signed,
    true,
  );
  const noDestination = strictRequest({ Destination: '' });
  await answered(post(signElement(noDestination.xml, noDestination.id, spKey, 'rsa-sha256')), undefined);
  const sha1 = strictRequest();
  await refusedOnPage(post(signElement(sha1.xml, sha1.id, spKey, 'rsa-sha1')), /could not be read/);
});
