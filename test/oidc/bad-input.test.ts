import { after, before, it } from 'mocha';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { startRpServer, type RpServer } from '../support/rp-server.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import {
  SECRET,
  authorizationRequest,
  client,
  signInAtPrompt,
  exchange,
  landedAt,
  oauthError,
  readAuthLog,
  rpConfig,
  type AuthLogEntry,
  type Pending,
} from './helpers.ts';

// What relying parties and browsers get wrong, against a real Latch: each gets the standard error,
// leaves an authentication-log entry, and changes nothing it should not. Also prompt=none/login
// and the consent page of a third-party client.

const ALICE = {
  username: 'alice',
  id: 'c0ffee00-1111-4222-8333-444455556666',
  password: 'correct horse battery',
  email: 'alice@example.test',
};

let latch: InProcessLatch;
let rp: RpServer;
let browser: Browser;
let page: Page;
let web: client.Configuration;
let spa: client.Configuration;
let partner: client.Configuration;

before(async () => {
  rp = await startRpServer();
  latch = await startTestLatch({
    users: [ALICE],
    config: {
      oidc: {
        clients: [
          { client_id: 'web', client_secret: SECRET, redirect_uris: [`${rp.origin}/cb`] },
          { client_id: 'spa', public: true, redirect_uris: [`${rp.origin}/spa`] },
          {
            client_id: 'partner',
            client_name: 'Partner portal',
            client_secret: SECRET,
            token_endpoint_auth_method: 'client_secret_post',
            redirect_uris: [`${rp.origin}/partner`],
            firstParty: false,
          },
        ],
      },
    },
  });
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
  web = await rpConfig(latch.url, 'web', client.ClientSecretBasic(SECRET));
  spa = await rpConfig(latch.url, 'spa', client.None());
  partner = await rpConfig(latch.url, 'partner', client.ClientSecretPost(SECRET));
});

after(async () => {
  await browser?.close();
  await latch?.stop();
  await rp?.stop();
});

/** Runs an authorization in the shared browser; signs in when the prompt shows. */
async function authorize(
  config: client.Configuration,
  params: Record<string, string>,
): Promise<{ pending: Pending; landed: URL }> {
  const pending = await authorizationRequest(config, params);
  await page.goto(pending.url.href);
  if (new URL(page.url()).pathname === '/login') await signInAtPrompt(page, 'alice', ALICE.password);
  return { pending, landed: new URL(await landedAt(page, rp.origin)) };
}

const authLog = (): Promise<AuthLogEntry[]> => readAuthLog(latch.dataDir);

it('prompt=none without a session: login_required at the redirect URI, no prompt', async () => {
  const pending = await authorizationRequest(web, { redirect_uri: `${rp.origin}/cb`, prompt: 'none' });
  await page.goto(pending.url.href);
  const landed = new URL(await landedAt(page, rp.origin));
  assert.equal(landed.searchParams.get('error'), 'login_required');
  assert.equal(landed.searchParams.get('state'), pending.state);
  assert.equal(landed.searchParams.get('code'), null);
});

it('after signing in: prompt=none gives a code without a prompt; prompt=login asks again', async () => {
  const first = await authorize(web, { redirect_uri: `${rp.origin}/cb` });
  assert.ok(first.landed.searchParams.get('code'));
  const passive = await authorize(web, { redirect_uri: `${rp.origin}/cb`, prompt: 'none' });
  const tokens = await exchange(web, passive.pending, passive.landed.href);
  assert.equal(tokens.claims()!.sub, ALICE.id);

  const pending = await authorizationRequest(web, { redirect_uri: `${rp.origin}/cb`, prompt: 'login' });
  await page.goto(pending.url.href);
  assert.equal(new URL(page.url()).pathname, '/login', 'prompt=login shows the prompt despite the session');
  await signInAtPrompt(page, 'alice', ALICE.password);
  const again = await exchange(web, pending, await landedAt(page, rp.origin));
  assert.ok(Number(again.claims()!.auth_time) >= Number(tokens.claims()!.auth_time));
});

it('an unregistered redirect URI gets an error page, never a redirect', async () => {
  const pending = await authorizationRequest(web, { redirect_uri: 'https://attacker.example/cb' });
  const res = await fetch(pending.url, { redirect: 'manual' });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('location'), null);
  assert.ok(
    !res.headers.getSetCookie().some((c) => c.startsWith('latch_oidc_interaction=')),
    'no interaction was started',
  );
  assert.match(await res.text(), /address Latch does not know/);
  assert.ok(
    (await authLog()).some(
      (e) => e.event === 'oidc-authorization' && e.result === 'failure' && String(e.reason).includes('redirect_uri'),
    ),
  );
});

it('wrong client secret: invalid_client, and the code still works with the right one', async () => {
  const { pending, landed } = await authorize(web, { redirect_uri: `${rp.origin}/cb` });
  const wrong = await rpConfig(
    latch.url,
    'web',
    client.ClientSecretBasic('not-the-secret-but-long-enough-to-look-real'),
  );
  await assert.rejects(exchange(wrong, pending, landed.href), oauthError('invalid_client'));
  const tokens = await exchange(web, pending, landed.href);
  assert.equal(tokens.claims()!.sub, ALICE.id);
  assert.ok(
    (await authLog()).some(
      (e) =>
        e.event === 'oidc-token' &&
        e.result === 'failure' &&
        String(e.reason).startsWith('invalid_client') &&
        e.app === 'web',
    ),
  );
});

it('PKCE mismatch: invalid_grant; a public client without PKCE is refused at the authorization endpoint', async () => {
  const { pending, landed } = await authorize(web, { redirect_uri: `${rp.origin}/cb` });
  await assert.rejects(
    exchange(web, { ...pending, verifier: client.randomPKCECodeVerifier() }, landed.href),
    oauthError('invalid_grant'),
  );
  assert.ok((await authLog()).some((e) => e.event === 'oidc-token' && String(e.reason).includes('code_verifier')));

  const url = client.buildAuthorizationUrl(spa, {
    redirect_uri: `${rp.origin}/spa`,
    scope: 'openid',
    state: 'no-pkce',
  });
  await page.goto(url.href);
  const refused = new URL(await landedAt(page, rp.origin));
  assert.equal(refused.searchParams.get('error'), 'invalid_request');
  assert.match(refused.searchParams.get('error_description') ?? '', /PKCE/);
});

it('a replayed code is refused and revokes the tokens it produced', async () => {
  const { pending, landed } = await authorize(web, { redirect_uri: `${rp.origin}/cb` });
  const tokens = await exchange(web, pending, landed.href);
  await assert.rejects(exchange(web, pending, landed.href), oauthError('invalid_grant'));
  await assert.rejects(client.fetchUserInfo(web, tokens.access_token, ALICE.id), oauthError('invalid_token'));
  await assert.rejects(client.refreshTokenGrant(web, tokens.refresh_token!), oauthError('invalid_grant'));
  assert.ok((await authLog()).some((e) => e.event === 'oidc-grant' && e.result === 'revoked'));
});

it('a reused refresh token is refused and revokes the whole grant, including its successor', async () => {
  const { pending, landed } = await authorize(web, { redirect_uri: `${rp.origin}/cb` });
  const tokens = await exchange(web, pending, landed.href);
  const next = await client.refreshTokenGrant(web, tokens.refresh_token!);
  await assert.rejects(client.refreshTokenGrant(web, tokens.refresh_token!), oauthError('invalid_grant'));
  await assert.rejects(client.refreshTokenGrant(web, next.refresh_token!), oauthError('invalid_grant'));
  assert.ok(
    (await authLog()).some((e) => e.event === 'oidc-token' && String(e.reason).includes('refresh token already used')),
  );
});

it('a third-party client shows a consent page; deny gives access_denied, allow gives a code', async () => {
  const denied = await authorizationRequest(partner, { redirect_uri: `${rp.origin}/partner` });
  await page.goto(denied.url.href);
  assert.match(await page.title(), /Allow Partner portal/);
  assert.match(await page.content(), /Your email address/);
  await page.click('button[value=deny]');
  const refused = new URL(await landedAt(page, rp.origin));
  assert.equal(refused.searchParams.get('error'), 'access_denied');

  const allowed = await authorizationRequest(partner, { redirect_uri: `${rp.origin}/partner` });
  await page.goto(allowed.url.href);
  await page.click('button[value=allow]');
  const tokens = await exchange(partner, allowed, await landedAt(page, rp.origin));
  assert.equal(tokens.claims()!.email, ALICE.email);

  // Consent is remembered: the next request goes straight through.
  const again = await authorizationRequest(partner, { redirect_uri: `${rp.origin}/partner` });
  await page.goto(again.url.href);
  assert.ok(new URL(await landedAt(page, rp.origin)).searchParams.get('code'));
});
