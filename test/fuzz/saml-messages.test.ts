import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, it } from 'mocha';
import { readAuthnRequest, type IncomingRequest } from '../../src/idp/saml/authn-request.ts';
import { idpIdentity } from '../../src/idp/saml/idp-identity.ts';
import type { ServiceProvider } from '../../src/idp/saml/registry.ts';
import { readSpMessage } from '../../src/idp/saml/sp-message.ts';
import { SamlError } from '../../src/idp/saml/status.ts';
import { XmlRejected } from '../../src/idp/saml/xml/parse.ts';
import { parseRawQuery } from '../../src/idp/saml/xml/redirect-signature.ts';
import { MemoryStore } from '../support/memory-store.ts';
import { makeTestKey } from '../support/saml-certs.ts';
import { testSp } from '../support/saml-fixtures.ts';
import { fuzz, mutated } from './budget.ts';

// Property-based fuzzing of what SPs send (AuthnRequest and LogoutRequest, in both bindings):
// whatever arrives, the parser answers with a valid request or a SamlError (an error page or a
// status Response for the SP), never another exception, and in bounded time.

const NS_P = 'urn:oasis:names:tc:SAML:2.0:protocol';
const NS_A = 'urn:oasis:names:tc:SAML:2.0:assertion';
const LIMIT = 64 * 1024;
const sp = testSp();
const registry = { get: (id: string) => (id === sp.entityId ? sp : undefined), all: () => [sp] };
const signingSp = testSp(
  { authnRequestsSigned: true, signingCertificates: [makeTestKey('fuzz-sp').certificatePem] },
  { requireSignedRequests: true },
);
const deps = (spRegistry = registry) => ({
  registry: spRegistry,
  saml: { requestMaxAge: 300_000, maxMessageBytes: LIMIT },
  identityFor: (s: ServiceProvider) => idpIdentity('http://localhost:8080', {}, s),
  store: new MemoryStore(),
});

const authnRequest = () =>
  `<samlp:AuthnRequest xmlns:samlp="${NS_P}" xmlns:saml="${NS_A}" ID="_fuzz1" Version="2.0" ` +
  `IssueInstant="${new Date().toISOString()}" Destination="http://localhost:8080/saml2/idp/sso" ` +
  `AssertionConsumerServiceURL="https://sp.test/acs" ForceAuthn="true"><saml:Issuer>${sp.entityId}</saml:Issuer>` +
  `<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified" AllowCreate="true"/>` +
  `<samlp:RequestedAuthnContext Comparison="minimum"><saml:AuthnContextClassRef>` +
  `urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>` +
  `</samlp:AuthnRequest>`;
const logoutRequest = () =>
  `<samlp:LogoutRequest xmlns:samlp="${NS_P}" xmlns:saml="${NS_A}" ID="_fuzz2" Version="2.0" ` +
  `IssueInstant="${new Date().toISOString()}"><saml:Issuer>${sp.entityId}</saml:Issuer><saml:NameID>alice</saml:NameID>` +
  `<samlp:SessionIndex>s1</samlp:SessionIndex></samlp:LogoutRequest>`;

const redirect = (xml: string): IncomingRequest => {
  const message = deflateRawSync(Buffer.from(xml)).toString('base64');
  return { binding: 'redirect', message, query: parseRawQuery(`SAMLRequest=${encodeURIComponent(message)}`) };
};
const post = (xml: string): IncomingRequest => ({ binding: 'post', message: Buffer.from(xml).toString('base64') });

/** A valid request or a SamlError, within a second (test/saml/parser-cost.test.ts budgets hostile worst cases). */
async function onlySamlErrors(read: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  try {
    await read();
  } catch (err) {
    if (!(err instanceof SamlError)) throw err;
    assert.ok(err.message.length > 0 && !/\bat .*\.(ts|js):\d+/.test(err.message), 'a message for a person');
  }
  assert.ok(performance.now() - started < 1000, `took ${performance.now() - started} ms`);
}

const SIG_ALGS = [
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  'x',
  '',
];
/** A raw query as an attacker would write it: the SAML parameters, in any order, some twice, with any encoding. */
const rawQuery = (message: string) =>
  fc
    .array(
      fc.oneof(
        fc.constant(`SAMLRequest=${encodeURIComponent(message)}`),
        fc.constantFrom(...SIG_ALGS).map((alg) => `SigAlg=${encodeURIComponent(alg)}`),
        fc
          .oneof(fc.base64String({ maxLength: 344 }), fc.string({ maxLength: 40 }))
          .map((sig) => `Signature=${encodeURIComponent(sig)}`),
        fc.string({ maxLength: 30 }).map((state) => `RelayState=${state}`),
        fc.constantFrom('%', '%zz', '%E0%A4%A', '+', '=', '&&', 'Signature', 'SAMLRequest=%00'),
      ),
      { minLength: 1, maxLength: 6 },
    )
    .map((pairs) => pairs.join('&'));

describe('fuzzing SAML messages from service providers', function () {
  this.timeout(120_000);

  it('the seeds are valid requests (so the mutations start from something that parses)', async () => {
    assert.equal((await readAuthnRequest(redirect(authnRequest()), deps())).acsUrl, 'https://sp.test/acs');
    assert.equal((await readAuthnRequest(post(authnRequest().replace('_fuzz1', '_fuzz3')), deps())).forceAuthn, true);
    assert.equal(readSpMessage(post(logoutRequest()), 'SAMLRequest', 'LogoutRequest', registry, LIMIT).sp, sp);
  });

  it('AuthnRequest, HTTP-Redirect: any query value, and mutated requests', async () => {
    await fuzz(
      fc.asyncProperty(fc.string({ maxLength: 400 }), async (message) =>
        onlySamlErrors(() =>
          readAuthnRequest(
            { binding: 'redirect', message, query: parseRawQuery(`SAMLRequest=${encodeURIComponent(message)}`) },
            deps(),
          ),
        ),
      ),
    );
    await fuzz(
      fc.asyncProperty(mutated(authnRequest()), async (xml) =>
        onlySamlErrors(() => readAuthnRequest(redirect(xml), deps())),
      ),
    );
  });

  it('AuthnRequest, HTTP-POST: any bytes, and mutated requests', async () => {
    await fuzz(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) =>
        onlySamlErrors(() =>
          readAuthnRequest({ binding: 'post', message: Buffer.from(bytes).toString('base64') }, deps()),
        ),
      ),
    );
    await fuzz(
      fc.asyncProperty(mutated(authnRequest()), async (xml) =>
        onlySamlErrors(() => readAuthnRequest(post(xml), deps())),
      ),
    );
  });

  it('LogoutRequest in both bindings: mutated requests', async () => {
    await fuzz(
      fc.asyncProperty(mutated(logoutRequest()), fc.boolean(), async (xml, viaRedirect) =>
        onlySamlErrors(async () =>
          readSpMessage(viaRedirect ? redirect(xml) : post(xml), 'SAMLRequest', 'LogoutRequest', registry, LIMIT),
        ),
      ),
    );
  });

  it('HTTP-Redirect query strings: parameters in any order, twice, badly encoded or forged never pass a signing SP', async () => {
    const signed = { get: (id: string) => (id === signingSp.entityId ? signingSp : undefined), all: () => [signingSp] };
    const message = deflateRawSync(Buffer.from(authnRequest())).toString('base64');
    await fuzz(
      fc.asyncProperty(rawQuery(message), async (query) => {
        let accepted = false;
        await onlySamlErrors(async () => {
          const parsed = (() => {
            try {
              return parseRawQuery(query);
            } catch (err) {
              if (err instanceof XmlRejected) throw new SamlError('The request could not be read.', err.message);
              throw err;
            }
          })();
          await readAuthnRequest(
            { binding: 'redirect', message: parsed.values.get('SAMLRequest') ?? '', query: parsed },
            deps(signed),
          );
          accepted = true;
        });
        assert.equal(accepted, false, `accepted without a valid signature: ${query}`);
      }),
    );
  });

  it('LogoutResponse from an SP in both bindings: mutated responses', async () => {
    const response =
      `<samlp:LogoutResponse xmlns:samlp="${NS_P}" xmlns:saml="${NS_A}" ID="_fuzz4" Version="2.0" InResponseTo="_r1" ` +
      `IssueInstant="${new Date().toISOString()}"><saml:Issuer>${sp.entityId}</saml:Issuer><samlp:Status>` +
      `<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>`;
    assert.equal(readSpMessage(post(response), 'SAMLResponse', 'LogoutResponse', registry, LIMIT).sp, sp);
    await fuzz(
      fc.asyncProperty(mutated(response), fc.boolean(), async (xml, viaRedirect) =>
        onlySamlErrors(async () =>
          readSpMessage(viaRedirect ? redirect(xml) : post(xml), 'SAMLResponse', 'LogoutResponse', registry, LIMIT),
        ),
      ),
    );
  });
});
