import { after, before, it } from 'mocha';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { startRpServer, type RpServer } from '../support/rp-server.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import {
  SECRET,
  authorizationRequest,
  client,
  signInAtPrompt,
  decodeJwtHeader,
  exchange,
  landedAt,
  oauthError,
  rpConfig,
} from './helpers.ts';

// openid-client as a relying party of a real Latch, through headless Chromium: the code flow with
// PKCE, claims, userinfo, refresh with rotation, single sign-on, prompt/max_age, and logout.

const ALICE = {
  username: 'alice',
  id: '8f2c1d4e-0b7a-4c1e-9d3f-5a6b7c8d9e0f',
  password: 'correct horse battery',
  displayName: 'Alice Example',
  email: 'alice@example.test',
  groups: ['staff', 'vpn-users'],
};

const BOB = {
  username: 'bob',
  id: '1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
  password: 'bobs own passphrase',
  displayName: 'Bob Example',
  email: 'bob@example.test',
  groups: ['staff'],
};

let latch: InProcessLatch;
let rp: RpServer;
let browser: Browser;
let web: client.Configuration;
let spa: client.Configuration;

before(async () => {
  rp = await startRpServer();
  latch = await startTestLatch({
    users: [ALICE, BOB],
    config: {
      oidc: {
        clients: [
          {
            client_id: 'web',
            client_name: 'Team wiki',
            client_secret: SECRET,
            redirect_uris: [`${rp.origin}/cb`],
            post_logout_redirect_uris: [`${rp.origin}/bye`],
            backchannel_logout_uri: `${rp.origin}/backchannel-logout`,
          },
          {
            client_id: 'spa',
            public: true,
            redirect_uris: [`${rp.origin}/spa`],
            id_token_signed_response_alg: 'ES256',
          },
        ],
      },
    },
  });
  browser = await launchChromium();
  web = await rpConfig(latch.url, 'web', client.ClientSecretBasic(SECRET));
  spa = await rpConfig(latch.url, 'spa', client.None());
});

after(async () => {
  await browser?.close();
  await latch?.stop();
  await rp?.stop();
});

it('discovery and JWKS: issuer is the base URL, RS256 and ES256 keys, code flow with S256 only', async () => {
  const meta = web.serverMetadata();
  assert.equal(meta.issuer, latch.url);
  assert.deepEqual(meta.response_types_supported, ['code']);
  assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
  assert.deepEqual(meta.acr_values_supported, ['password', 'mfa', 'passwordless']);
  const jwks = (await (await fetch(meta.jwks_uri!)).json()) as {
    keys: Array<{ alg: string; kty: string; d?: string }>;
  };
  assert.ok(jwks.keys.some((k) => k.alg === 'RS256'));
  assert.ok(jwks.keys.some((k) => k.alg === 'ES256'));
  assert.ok(
    jwks.keys.every((k) => k.d === undefined),
    'no private key material is published',
  );
});

it('code + PKCE through Chromium: claims, userinfo, refresh rotation, SSO, RP-initiated logout', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();

  const pending = await authorizationRequest(web, { redirect_uri: `${rp.origin}/cb` });
  await page.goto(pending.url.href);
  assert.match(await page.title(), /Sign in to Team wiki/);
  await signInAtPrompt(page, 'alice', ALICE.password);
  const tokens = await exchange(web, pending, await landedAt(page, rp.origin));

  const claims = tokens.claims()!;
  assert.equal(claims.sub, ALICE.id, 'sub is the directory id');
  assert.equal(claims.email, ALICE.email);
  assert.equal(claims.email_verified, true);
  assert.equal(claims.name, ALICE.displayName);
  assert.equal(claims.preferred_username, 'alice');
  assert.deepEqual(claims.groups, ALICE.groups);
  assert.deepEqual(claims.amr, ['pwd']);
  assert.equal(claims.acr, 'password');
  assert.ok(Math.abs(Number(claims.auth_time) - Date.now() / 1000) < 60);
  assert.equal(decodeJwtHeader(tokens.id_token!).alg, 'RS256');

  const userinfo = await client.fetchUserInfo(web, tokens.access_token, ALICE.id);
  assert.equal(userinfo.email, ALICE.email);
  assert.deepEqual(userinfo.groups, ALICE.groups);

  // Refresh: a new refresh token each time (rotation), and the new access token works.
  assert.ok(tokens.refresh_token);
  const refreshed = await client.refreshTokenGrant(web, tokens.refresh_token);
  assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token);
  assert.equal((await client.fetchUserInfo(web, refreshed.access_token, ALICE.id)).sub, ALICE.id);

  // Single sign-on: the same browser gets a code for the public client without a prompt (ES256 there).
  const second = await authorizationRequest(spa, { redirect_uri: `${rp.origin}/spa` });
  await page.goto(second.url.href);
  const spaTokens = await exchange(spa, second, await landedAt(page, rp.origin));
  assert.equal(spaTokens.claims()!.sub, ALICE.id);
  assert.equal(decodeJwtHeader(spaTokens.id_token!).alg, 'ES256');

  // RP-initiated logout: confirmation page, back to the RP with its state, back-channel logout
  // token posted to the client that registered one, and Latch's own session is over too.
  const logoutUrl = client.buildEndSessionUrl(web, {
    id_token_hint: tokens.id_token!,
    post_logout_redirect_uri: `${rp.origin}/bye`,
    state: 'bye-state',
  });
  await page.goto(logoutUrl.href);
  await page.click('button[value=yes]');
  const afterLogout = new URL(await landedAt(page, rp.origin));
  assert.equal(afterLogout.pathname, '/bye');
  assert.equal(afterLogout.searchParams.get('state'), 'bye-state');
  assert.equal(rp.logoutTokens.length, 1);
  const logoutClaims = JSON.parse(Buffer.from(rp.logoutTokens[0]!.split('.')[1]!, 'base64url').toString()) as Record<
    string,
    unknown
  >;
  assert.equal(logoutClaims.sub, ALICE.id);
  assert.ok(logoutClaims.sid);
  await page.goto(`${latch.url}/`);
  assert.match(await page.content(), /not signed in/);
  await assert.rejects(
    client.refreshTokenGrant(web, refreshed.refresh_token!),
    oauthError('invalid_grant'),
    'logout revoked the grant',
  );

  const third = await authorizationRequest(web, { redirect_uri: `${rp.origin}/cb` });
  await page.goto(third.url.href);
  assert.match(await page.title(), /Sign in to Team wiki/, 'after logout the prompt is back');
  await context.close();
});

it('an id_token_hint naming another user than the one signed in asks for a sign-in instead of looping', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // Bob's ID token, from a sign-in in this browser; then alice signs in over it.
  const forBob = await authorizationRequest(web, { redirect_uri: `${rp.origin}/cb` });
  await page.goto(forBob.url.href);
  await signInAtPrompt(page, 'bob', BOB.password);
  const bobTokens = await exchange(web, forBob, await landedAt(page, rp.origin));
  const forAlice = await authorizationRequest(web, { redirect_uri: `${rp.origin}/cb`, prompt: 'login' });
  await page.goto(forAlice.url.href);
  await signInAtPrompt(page, 'alice', ALICE.password);
  await exchange(web, forAlice, await landedAt(page, rp.origin));

  // The RP asks for bob while alice is signed in: the prompt, not a redirect loop.
  const hinted = await authorizationRequest(web, {
    redirect_uri: `${rp.origin}/cb`,
    id_token_hint: bobTokens.id_token!,
  });
  await page.goto(hinted.url.href);
  await page.getByLabel('Username').waitFor({ timeout: 10_000 });
  await signInAtPrompt(page, 'bob', BOB.password);
  const tokens = await exchange(web, hinted, await landedAt(page, rp.origin));
  assert.equal(tokens.claims()!.sub, BOB.id);
  await context.close();
});
