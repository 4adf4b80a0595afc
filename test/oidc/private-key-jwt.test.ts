import { after, before, it } from 'mocha';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { startRpServer, type RpServer } from '../support/rp-server.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import {
  authorizationRequest,
  client,
  exchange,
  landedAt,
  oauthError,
  readAuthLog,
  rpConfig,
  signInAtPrompt,
} from './helpers.ts';

// A confidential client that authenticates with private_key_jwt (RFC 7523): its public key is in
// Latch's config, and openid-client signs a client assertion with the private key at the token
// endpoint. The full code flow through Chromium, then a refresh; an assertion signed with another
// key (same kid) is refused with invalid_client, logged, and leaves the code usable.

const BOB = {
  username: 'bob',
  id: '0b0b0b0b-2222-4333-8444-555566667777',
  password: 'bob password 42',
  email: 'bob@example.test',
};
const KID = 'reports-2026';

interface KeyPair {
  privateKey: CryptoKey;
  publicJwk: JsonWebKey;
}

async function es256Key(): Promise<KeyPair> {
  const { privateKey, publicKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  return { privateKey, publicJwk: await crypto.subtle.exportKey('jwk', publicKey) };
}

let latch: InProcessLatch;
let rp: RpServer;
let browser: Browser;
let key: KeyPair;
let otherKey: KeyPair;

before(async () => {
  key = await es256Key();
  otherKey = await es256Key();
  rp = await startRpServer();
  const { kty, crv, x, y } = key.publicJwk;
  latch = await startTestLatch({
    users: [BOB],
    config: {
      oidc: {
        clients: [
          {
            client_id: 'reports',
            client_name: 'Reports',
            token_endpoint_auth_method: 'private_key_jwt',
            jwks: { keys: [{ kty, crv, x, y, kid: KID, alg: 'ES256', use: 'sig' }] },
            redirect_uris: [`${rp.origin}/cb`],
          },
        ],
      },
    },
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await latch?.stop();
  await rp?.stop();
});

const signer = (pair: KeyPair) => client.PrivateKeyJwt({ key: pair.privateKey, kid: KID });

it('private_key_jwt: code flow through Chromium and refresh with a signed client assertion; another key is refused and changes nothing', async () => {
  const reports = await rpConfig(latch.url, 'reports', signer(key));
  const impostor = await rpConfig(latch.url, 'reports', signer(otherKey));
  assert.ok(reports.serverMetadata().token_endpoint_auth_methods_supported?.includes('private_key_jwt'));

  const context = await browser.newContext();
  const page = await context.newPage();
  const pending = await authorizationRequest(reports, { redirect_uri: `${rp.origin}/cb` });
  await page.goto(pending.url.href);
  assert.match(await page.title(), /Sign in to Reports/);
  await signInAtPrompt(page, BOB.username, BOB.password);
  const landed = await landedAt(page, rp.origin);

  // Signed with a key Latch does not have for this client: refused, logged, and the code is untouched.
  await assert.rejects(exchange(impostor, pending, landed), oauthError('invalid_client'));
  const refusal = (await readAuthLog(latch.dataDir)).find(
    (e) => e.event === 'oidc-token' && e.result === 'failure' && e.app === 'reports',
  );
  assert.ok(refusal, 'the refusal is in the authentication log');
  assert.match(String(refusal.reason), /^invalid_client/);

  const tokens = await exchange(reports, pending, landed);
  const claims = tokens.claims()!;
  assert.equal(claims.sub, BOB.id);
  assert.equal(claims.email, BOB.email);
  assert.equal(claims.aud, 'reports');

  const refreshed = await client.refreshTokenGrant(reports, tokens.refresh_token!);
  assert.ok(refreshed.access_token && refreshed.refresh_token !== tokens.refresh_token);
  await assert.rejects(client.refreshTokenGrant(impostor, refreshed.refresh_token!), oauthError('invalid_client'));
  assert.equal(
    (await client.fetchUserInfo(reports, refreshed.access_token, BOB.id)).email,
    BOB.email,
    'the refused refresh spent nothing',
  );
  const kept = await client.refreshTokenGrant(reports, refreshed.refresh_token!);
  assert.ok(kept.access_token);
  await context.close();
});
