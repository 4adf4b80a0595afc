import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'mocha';
import {
  canonicalHeaders,
  canonicalRequest,
  matchingVersion,
  parseAuthorization,
  signableHosts,
  type SignedRequest,
} from './signature.ts';

// The canonical strings are compared with what Debian's duo_client (duo_client.client.canonicalize,
// python3-duo-client 4.5.0) makes of the same request, pasted here: an independent implementation
// of the same format.

const DATE = 'Tue, 21 Aug 2012 17:29:18 -0000';
const request = (extra: Partial<SignedRequest> = {}): SignedRequest => ({
  date: DATE,
  method: 'post',
  hosts: ['API.Example.com'],
  path: '/auth/v2/auth',
  params: [
    ['username', 'alice smith'],
    ['pushinfo', 'Server+IP=10.0.0.5&Command=sudo ls ~/*'],
    ['factor', 'push'],
    ['z', "é!'()*"],
    ['a', '2'],
    ['a', '1'],
  ],
  duoHeaders: [],
  ...extra,
});

describe('Auth API signatures', () => {
  it('makes the v2 canonical request duo_client makes, and its HMAC-SHA1', () => {
    const canonical = canonicalRequest(request(), 'API.Example.com', 'v2');
    assert.equal(
      canonical,
      `${DATE}\nPOST\napi.example.com\n/auth/v2/auth\n` +
        'a=1&a=2&factor=push&pushinfo=Server%2BIP%3D10.0.0.5%26Command%3Dsudo%20ls%20~%2F%2A&username=alice%20smith&z=%C3%A9%21%27%28%29%2A',
    );
    assert.equal(
      createHmac('sha1', 'secret').update(canonical).digest('hex'),
      'e6118b2c08cf96753457652adb53401bbdb7b3c3',
    );
  });

  it('makes the v4 canonical request over a JSON body', () => {
    const json = request({ params: [], jsonBody: '{"factor":"push","username":"alice"}' });
    assert.equal(
      canonicalRequest(json, 'api.example.com', 'v4'),
      `${DATE}\nPOST\napi.example.com\n/auth/v2/auth\n\n` +
        '5647be5079be4a70c253b26def325a171ab205c023a4e1e28bac49205b4eed2e69411262f4d555af5b80fac7e20009339fd1f4c23e1abcca031c5f1ff4f7bc11',
    );
  });

  it('v5 adds the hash of the X-Duo-* headers: lower-case names, sorted, NUL-separated', () => {
    const headers: Array<[string, string]> = [
      ['X-Duo-B', '2'],
      ['x-duo-a', '1'],
    ];
    assert.equal(
      canonicalHeaders(headers),
      createHash('sha512').update('x-duo-a\u00001\u0000x-duo-b\u00002').digest('hex'),
    );
    const lines = canonicalRequest(request({ duoHeaders: headers }), 'api.example.com', 'v5').split('\n');
    assert.equal(lines.length, 7);
    assert.equal(lines[6], canonicalHeaders(headers));
  });

  it('finds the version and host a signature was made with, and nothing for a wrong key', () => {
    const signed = request({ hosts: signableHosts('idp.example.com:8443', 'https://idp.example.com:8443') });
    const v5 = createHmac('sha512', 'k')
      .update(canonicalRequest(signed, 'idp.example.com', 'v5'))
      .digest('hex');
    assert.equal(matchingVersion(signed, 'k', v5), 'v5');
    const sha1 = createHmac('sha1', 'k')
      .update(canonicalRequest(signed, 'idp.example.com:8443', 'v2'))
      .digest('hex');
    assert.equal(matchingVersion(signed, 'k', sha1), 'v2');
    assert.equal(matchingVersion(signed, 'other key', v5), undefined);
  });

  it('reads Basic ikey:hex credentials and refuses anything else', () => {
    const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
    assert.deepEqual(parseAuthorization(basic(`DIABC:${'A'.repeat(40)}`)), {
      ikey: 'DIABC',
      signature: 'a'.repeat(40),
    });
    for (const bad of [
      undefined,
      'Bearer x',
      basic('DIABC'),
      basic(`DIABC:${'a'.repeat(41)}`),
      basic(`:${'a'.repeat(40)}`),
      'Basic ****',
    ]) {
      assert.equal(parseAuthorization(bad), undefined, String(bad));
    }
  });
});
