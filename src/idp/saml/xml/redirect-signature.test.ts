import { it } from 'mocha';
import assert from 'node:assert/strict';
import { makeTestKey } from '../../../../test/support/saml-certs.ts';
import { parseRawQuery, verifyRedirectSignature } from './redirect-signature.ts';
import { signedRedirectQuery } from './sign.ts';

const sp = makeTestKey('sp');
const other = makeTestKey('other');
const trust = { certificates: [sp.certificatePem] };
const message = 'fZJBT8MwDIXv/Ir/2+x/7+XqGBkg==';

it('a query signed over the raw parameters verifies', () => {
  const query = signedRedirectQuery('SAMLRequest', message, 'https://sp.test/back?x=1&y=2', sp, 'rsa-sha256');
  assert.equal(verifyRedirectSignature(parseRawQuery(query), 'SAMLRequest', trust), true);
  assert.equal(
    verifyRedirectSignature(parseRawQuery(`SAMLRequest=${encodeURIComponent(message)}`), 'SAMLRequest', trust),
    false,
  );
});

it('tampering, other keys, SHA-1, re-encoding and duplicates are refused', () => {
  const query = signedRedirectQuery('SAMLRequest', message, 'state', sp, 'rsa-sha256');
  assert.throws(
    () =>
      verifyRedirectSignature(
        parseRawQuery(query.replace('RelayState=state', 'RelayState=other')),
        'SAMLRequest',
        trust,
      ),
    /does not verify/,
  );
  assert.throws(
    () => verifyRedirectSignature(parseRawQuery(query), 'SAMLRequest', { certificates: [other.certificatePem] }),
    /does not verify/,
  );
  const sha1 = signedRedirectQuery('SAMLRequest', message, undefined, sp, 'rsa-sha1');
  assert.throws(() => verifyRedirectSignature(parseRawQuery(sha1), 'SAMLRequest', trust), /not allowed/);
  assert.equal(verifyRedirectSignature(parseRawQuery(sha1), 'SAMLRequest', { ...trust, allowSha1: true }), true);
  // Same decoded value, different octets: the SP did not sign this.
  assert.throws(
    () => verifyRedirectSignature(parseRawQuery(query.replace('%2B', '%2b')), 'SAMLRequest', trust),
    /does not verify/,
  );
  assert.throws(() => parseRawQuery(`${query}&SAMLRequest=x`), /more than once/);
  assert.throws(
    () => verifyRedirectSignature(parseRawQuery(query.replace(/&Signature=[^&]*/, '')), 'SAMLRequest', trust),
    /together/,
  );
  assert.throws(() => verifyRedirectSignature(parseRawQuery(query), 'SAMLResponse', trust), /missing/);
});
