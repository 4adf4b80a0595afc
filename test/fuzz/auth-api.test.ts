import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { after, before, describe, it } from 'mocha';
import type { OpenIntegration } from '../../src/idp/authapi/integrations.ts';
import { canonicalRequest, rfc3986 } from '../../src/idp/authapi/signature.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { fuzz } from './budget.ts';

// Property-based fuzzing of the Auth API (src/idp/authapi/): parameters of any name, value and
// number, correctly signed so that they reach past the signature check, and requests with forged
// credentials, dates and bodies. Every answer is Duo's JSON envelope with the HTTP status taken from
// its code, never a 5xx; nothing forged is accepted, and the user's bypass codes are all still there.

const ENDPOINTS = [
  '/auth/v2/check',
  '/auth/v2/preauth',
  '/auth/v2/auth',
  '/auth/v2/auth_status',
  '/auth/v2/enroll',
  '/auth/v2/enroll_status',
  '/auth/v2/logo',
  '/auth/v2/',
  '/auth/v2/a/b',
];
const NAMES = [
  'username',
  'user_id',
  'factor',
  'passcode',
  'device',
  'async',
  'txid',
  'ipaddr',
  'hostname',
  'pushinfo',
  'type',
  'prompt',
  'text_prompt',
  'display_username',
  'valid_secs',
  'activation_code',
  'trusted_device_token',
];
const VALUES = [
  'alice',
  'auto',
  'push',
  'passcode',
  'phone1',
  '1',
  '0',
  'prompt',
  '',
  '%',
  '+',
  '\u0000',
  'é',
  '9'.repeat(40),
];

const param = fc.tuple(
  fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 20 })),
  fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 20 })),
);
const request = fc.record({
  method: fc.constantFrom('GET', 'POST'),
  path: fc.oneof(
    fc.constantFrom(...ENDPOINTS),
    fc.string({ maxLength: 30 }).map((s) => `/auth/v2/${encodeURIComponent(s)}`),
  ),
  params: fc.array(param, { maxLength: 12 }),
});

interface Envelope {
  stat?: string;
  code?: number;
  message?: string;
}

describe('fuzzing the Auth API', function () {
  this.timeout(120_000);
  let latch: InProcessLatch;
  let integration: OpenIntegration;
  let aliceId: string;
  let host: string;

  before(async () => {
    latch = await startTestLatch({ host: 'localhost', users: [{ username: 'alice', password: 'fuzz-password-1' }] });
    integration = await latch.services.authApi.integrations.add({ name: 'fuzzed', type: 'auth-api' });
    aliceId = (await latch.services.directory.findUser('alice'))!.id;
    await latch.services.passcodes.bypassCodes.generate(aliceId, { count: 5, uses: 1, lifetimeMs: 3_600_000 });
    host = new URL(latch.url).host;
  });
  after(() => latch?.stop());

  async function send(
    method: string,
    path: string,
    params: Array<[string, string]>,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: Envelope }> {
    const query = params.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
    const post = method === 'POST';
    const res = await fetch(`${latch.url}${path}${!post && query ? `?${query}` : ''}`, {
      method,
      headers: post ? { ...headers, 'content-type': 'application/x-www-form-urlencoded' } : headers,
      body: post ? query : undefined,
    });
    return { status: res.status, body: (await res.json()) as Envelope };
  }

  function signed(method: string, path: string, params: Array<[string, string]>): Record<string, string> {
    const date = new Date().toUTCString();
    const canonical = canonicalRequest({ date, method, hosts: [host], path, params, duoHeaders: [] }, host, 'v2');
    const signature = createHmac('sha512', integration.secret).update(canonical).digest('hex');
    return { authorization: `Basic ${Buffer.from(`${integration.ikey}:${signature}`).toString('base64')}`, date };
  }

  const assertEnvelope = ({ status, body }: { status: number; body: Envelope }, label: string) => {
    assert.ok(status < 500, `${label}: ${status} ${JSON.stringify(body)}`);
    assert.ok(body.stat === 'OK' || body.stat === 'FAIL', `${label}: ${JSON.stringify(body)}`);
    if (body.stat === 'FAIL') {
      assert.equal(Math.floor(body.code! / 100), status, `${label}: the status is the code's first three digits`);
      assert.ok(body.message, `${label}: a message says why`);
    }
  };

  it('signed requests with any parameters get an answer in the envelope, never a 5xx', async () => {
    const runs = await fuzz(
      fc.asyncProperty(request, async ({ method, path, params }) => {
        const answer = await send(method, path, params, signed(method, path, params));
        assertEnvelope(answer, `${method} ${path}`);
      }),
    );
    assert.ok(runs >= 50);
    const codes = await latch.services.passcodes.bypassCodes.list(aliceId);
    assert.equal(
      codes.reduce((sum, c) => sum + c.usesLeft, 0),
      5,
      'no bypass code was used up',
    );
  });

  const authorization = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ maxLength: 60 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
    fc
      .stringMatching(/^[0-9a-f]{128}$/)
      .map((sig) => `Basic ${Buffer.from(`${integration.ikey}:${sig}`).toString('base64')}`),
  );
  const date = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
  );

  it('forged credentials, dates and bodies are refused with 400 or 401, never accepted', async () => {
    await fuzz(
      fc.asyncProperty(request, authorization, date, async ({ method, path, params }, auth, when) => {
        const answer = await send(method, path, params, { authorization: auth, date: when });
        assertEnvelope(answer, `${method} ${path}`);
        assert.equal(answer.body.stat, 'FAIL', `${method} ${path} accepted a forged request`);
        assert.ok([400, 401, 404, 405].includes(answer.status), `${method} ${path}: ${answer.status}`);
      }),
    );
    const codes = await latch.services.passcodes.bypassCodes.list(aliceId);
    assert.equal(
      codes.reduce((sum, c) => sum + c.usesLeft, 0),
      5,
      'no bypass code was used up',
    );
  });
});
