import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import type { OpenIntegration } from '../../src/idp/authapi/integrations.ts';
import { signHs512 } from '../../src/idp/authapi/universal/jwt.ts';
import { addIntegration, sendRaw, startAuthApiLatch, user, type AuthApiLatch } from './support.ts';

// Forged, replayed and malformed Universal Prompt requests, made by hand: each is refused with
// what the SDK or the browser can show, and no sign-in starts.

type Answer = { status: number; location?: string; text: string };

describe('Universal Prompt refuses forged and replayed requests', function () {
  let api: AuthApiLatch;
  let app: OpenIntegration;
  let other: OpenIntegration;
  let host: string;

  before(async () => {
    api = await startAuthApiLatch([user('alice')]);
    app = await addIntegration(api.latch, 'app', 'universal-prompt');
    other = await addIntegration(api.latch, 'other app', 'universal-prompt');
    host = new URL(api.latch.url).host;
  });

  after(async () => {
    await api?.latch.stop();
  });

  function send(path: string, body?: string): Promise<Answer> {
    const headers: Record<string, string> = body
      ? { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
      : { accept: 'text/html' };
    return sendRaw(api, path, { headers, body });
  }

  const now = () => Math.floor(Date.now() / 1000);
  const requestClaims = (extra: Record<string, unknown> = {}) => ({
    response_type: 'code',
    scope: 'openid',
    exp: now() + 300,
    client_id: app.ikey,
    redirect_uri: 'https://app.example.com/cb',
    state: 's'.repeat(36),
    duo_uname: 'alice',
    iss: app.ikey,
    aud: `https://${host}`,
    ...extra,
  });
  const authorize = (token: string) =>
    send(
      `/oauth/v1/authorize?${new URLSearchParams({ response_type: 'code', client_id: app.ikey, request: token, redirect_uri: 'https://app.example.com/cb', scope: 'openid' })}`,
    );
  const assertion = (
    integration: OpenIntegration,
    path: string,
    jti = `jti-${Math.random().toString(36).slice(2)}-0000000`,
  ) =>
    signHs512(
      {
        iss: integration.ikey,
        sub: integration.ikey,
        aud: `https://${host}${path}`,
        jti,
        iat: now(),
        exp: now() + 300,
      },
      integration.secret,
    );
  const token = (clientAssertion: string, code = 'c'.repeat(43)) =>
    send(
      '/oauth/v1/token',
      new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'https://app.example.com/cb',
        client_id: app.ikey,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: clientAssertion,
      }).toString(),
    );

  it('a well-formed request starts the prompt (the baseline of the refusals below)', async () => {
    const answer = await authorize(signHs512(requestClaims(), app.secret));
    assert.equal(answer.status, 302);
    assert.match(answer.location!, /^\/login\?tx=/);
  });

  it("a request signed with another application's secret, or with alg none, is refused with an error page", async () => {
    for (const forged of [
      signHs512(requestClaims(), other.secret),
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(requestClaims())).toString('base64url')}.`,
    ]) {
      const answer = await authorize(forged);
      assert.equal(answer.status, 401, answer.text);
      assert.match(answer.text, /The authorization request is not signed by this application/);
      assert.equal(answer.location, undefined);
    }
  });

  it('an expired request goes back with invalid_request; an http redirect_uri off loopback is refused', async () => {
    const expired = await authorize(signHs512(requestClaims({ exp: now() - 3600 }), app.secret));
    assert.equal(expired.status, 302);
    assert.match(expired.location!, /^https:\/\/app\.example\.com\/cb\?error=invalid_request&/);
    const plain = await send(
      `/oauth/v1/authorize?${new URLSearchParams({ client_id: app.ikey, request: signHs512(requestClaims({ redirect_uri: 'http://app.example.com/cb' }), app.secret) })}`,
    );
    assert.equal(plain.status, 400);
    assert.match(plain.text, /cannot accept/);
  });

  it('a client assertion is used once, only for its endpoint, only by its client', async () => {
    const once = assertion(app, '/oauth/v1/token');
    const first = await token(once);
    assert.match(JSON.parse(first.text).message_detail, /unknown, used or expired code/);
    const replayed = JSON.parse((await token(once)).text);
    assert.deepEqual([replayed.code, replayed.message_detail], [40103, 'this client assertion was already used']);
    const wrongEndpoint = JSON.parse((await token(assertion(app, '/oauth/v1/health_check'))).text);
    assert.match(wrongEndpoint.message_detail, /aud must be this endpoint/);
    const otherClient = JSON.parse((await token(assertion(other, '/oauth/v1/token'))).text);
    assert.match(otherClient.message_detail, /iss and sub must be the client_id|signature does not match/);
  });
});
