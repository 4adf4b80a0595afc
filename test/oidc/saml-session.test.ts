import { after, before, it } from 'mocha';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { signInAtPrompt } from '../support/chromium.ts';
import { startRpServer, type RpServer } from '../support/rp-server.ts';
import { preparePysaml2Sp } from '../support/saml/pysaml2-sp.ts';
import { samlInterop } from '../support/saml/interop.ts';
import {
  SECRET,
  authorizationRequest,
  client,
  exchange,
  landedAt,
  oauthError,
  rpConfig,
  type Pending,
} from './helpers.ts';

// One IdP session across SAML and OIDC, with real peers: pysaml2 as the service provider,
// openid-client as the relying party, Chromium as the user. Single sign-on goes both ways and the
// two protocols name the same session (SessionIndex = "_" + sid, AuthnInstant = auth_time); a
// client that asks for more than the session has prompts again; and logout started on either
// side reaches the other.

const ALICE = {
  username: 'alice',
  password: 'correct horse',
  email: 'alice@example.test',
  displayName: 'Alice Example',
};
const ALICE_ID = 'id-alice';

let rp: RpServer;
before(async () => {
  rp = await startRpServer();
});
after(async () => {
  await rp?.stop();
});

const interop = samlInterop({
  prepare: (dir) => preparePysaml2Sp(dir),
  users: [ALICE],
  saml: (sp) => ({
    serviceProviders: {
      pysaml2: {
        metadataXml: sp.metadataXml,
        name: 'Expenses',
        nameIdFormat: 'emailAddress',
        nameIdAttribute: 'email',
      },
    },
  }),
  config: () => ({
    oidc: {
      clients: [
        {
          client_id: 'wiki',
          client_name: 'Team wiki',
          client_secret: SECRET,
          redirect_uris: [`${rp.origin}/cb`],
          post_logout_redirect_uris: [`${rp.origin}/bye`],
          backchannel_logout_uri: `${rp.origin}/backchannel-logout`,
        },
        {
          client_id: 'payroll',
          client_name: 'Payroll',
          client_secret: SECRET,
          redirect_uris: [`${rp.origin}/payroll`],
          policy: { deny: true },
        },
      ],
    },
  }),
});

interface SamlResult {
  name_id: string;
  session_index: string;
  authn_instant: string[];
}

async function samlResult(page: Page): Promise<SamlResult> {
  const found = await page.waitForSelector('#result, #error', { timeout: 15_000 });
  const text = (await found.textContent()) ?? '';
  if ((await found.getAttribute('id')) === 'error')
    assert.fail(`pysaml2 refused the response: ${text}\n${interop.sp.output()}`);
  return JSON.parse(text) as SamlResult;
}

/** Every URL the page requests, to tell whether the browser passed through Latch's prompt. */
function recordRequests(page: Page): () => string[] {
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  return () => urls.filter((url) => url.startsWith(`${interop.latch.url}/login`));
}

/** A fresh browser in which alice signed in at the SAML SP (through Latch's prompt). */
async function signedInAtSp(): Promise<{ context: BrowserContext; page: Page; saml: SamlResult }> {
  const context = await interop.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${interop.sp.base}/login`);
  await signInAtPrompt(page, ALICE.username, ALICE.password);
  return { context, page, saml: await samlResult(page) };
}

async function wiki(): Promise<client.Configuration> {
  return rpConfig(interop.latch.url, 'wiki', client.ClientSecretBasic(SECRET));
}

/** Starts an authorization in the page; returns the pending request (the page is on its way). */
async function authorize(page: Page, config: client.Configuration, params: Record<string, string>): Promise<Pending> {
  const pending = await authorizationRequest(config, params);
  await page.goto(pending.url.href);
  return pending;
}

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

it('a SAML sign-in, then an OIDC authorization in the same browser: no second prompt, and the ID token names the same session', async () => {
  const { context, page, saml } = await signedInAtSp();

  const prompts = recordRequests(page);
  const config = await wiki();
  const pending = await authorize(page, config, { redirect_uri: `${rp.origin}/cb` });
  const tokens = await exchange(config, pending, await landedAt(page, rp.origin));
  assert.deepEqual(prompts(), [], 'no prompt: the SAML sign-in answered the OIDC request');

  const claims = tokens.claims()!;
  assert.equal(claims.sub, ALICE_ID);
  assert.equal(claims.email, ALICE.email);
  assert.equal(`_${String(claims.sid)}`, saml.session_index, 'sid is the session SAML knows by its SessionIndex');
  assert.equal(
    claims.auth_time,
    epochSeconds(saml.authn_instant[0]!),
    'auth_time is the SAML AuthnInstant: the same sign-in',
  );
  assert.equal(claims.acr, 'password');
  assert.deepEqual(claims.amr, ['pwd']);

  // A second authorization is answered from the same session: same sid and auth_time.
  const again = await authorize(page, config, { redirect_uri: `${rp.origin}/cb` });
  const second = (await exchange(config, again, await landedAt(page, rp.origin))).claims()!;
  assert.equal(second.sid, claims.sid);
  assert.equal(second.auth_time, claims.auth_time);
  assert.deepEqual(prompts(), []);
  await context.close();
});

it('an OIDC sign-in, then a SAML sign-in in the same browser: no second prompt, and the assertion names the same session', async () => {
  const context = await interop.browser.newContext();
  const page = await context.newPage();
  const config = await wiki();
  const pending = await authorize(page, config, { redirect_uri: `${rp.origin}/cb` });
  assert.equal(new URL(page.url()).pathname, '/login', 'no session yet: the prompt');
  await signInAtPrompt(page, ALICE.username, ALICE.password);
  const claims = (await exchange(config, pending, await landedAt(page, rp.origin))).claims()!;

  const prompts = recordRequests(page);
  await page.goto(`${interop.sp.base}/login`);
  const saml = await samlResult(page);
  assert.deepEqual(prompts(), [], 'no prompt: the OIDC sign-in answered the SAML request');
  assert.equal(saml.name_id, ALICE.email);
  assert.equal(saml.session_index, `_${String(claims.sid)}`);
  assert.equal(epochSeconds(saml.authn_instant[0]!), claims.auth_time);
  await context.close();
});

it('a client that asks for more than the session has prompts again, then refuses: acr_values=mfa, and a client policy that denies', async () => {
  const { context, page } = await signedInAtSp();
  const config = await wiki();

  // The SAML sign-in was password-only; the wiki asks for MFA. Alice has no second factor: after
  // her password she is told why, and the wiki gets unmet_authentication_requirements.
  const stepUp = await authorize(page, config, { redirect_uri: `${rp.origin}/cb`, acr_values: 'mfa' });
  assert.equal(new URL(page.url()).pathname, '/login', 'the session is not enough: the prompt');
  assert.equal(await page.inputValue('#username'), ALICE.username, 'the prompt knows who is signed in');
  await signInAtPrompt(page, ALICE.username, ALICE.password);
  await page.waitForSelector('text=Team wiki needs a stronger sign-in than your account can give.');
  await page.click('text=Return to Team wiki');
  const refused = new URL(await landedAt(page, rp.origin));
  assert.equal(refused.searchParams.get('error'), 'unmet_authentication_requirements');
  assert.equal(refused.searchParams.get('state'), stepUp.state);
  assert.equal(refused.searchParams.get('code'), null);

  // Payroll's policy denies sign-in: the session does not answer it either.
  const payroll = await rpConfig(interop.latch.url, 'payroll', client.ClientSecretBasic(SECRET));
  await authorize(page, payroll, { redirect_uri: `${rp.origin}/payroll` });
  assert.equal(new URL(page.url()).pathname, '/login');
  await signInAtPrompt(page, ALICE.username, ALICE.password);
  await page.waitForSelector("text=You can't sign in to Payroll.");
  await page.click('text=Return to Payroll');
  assert.equal(new URL(await landedAt(page, rp.origin)).searchParams.get('error'), 'access_denied');

  // Neither refusal touched the session: the wiki's ordinary request still gets a code at once.
  const prompts = recordRequests(page);
  const plain = await authorize(page, config, { redirect_uri: `${rp.origin}/cb` });
  assert.ok((await exchange(config, plain, await landedAt(page, rp.origin))).id_token);
  assert.deepEqual(prompts(), []);
  await context.close();
});

it('SAML single logout started at the SP reaches OIDC clients: back-channel logout token for the session, tokens revoked', async () => {
  const { context, page, saml } = await signedInAtSp();
  const config = await wiki();
  const pending = await authorize(page, config, { redirect_uri: `${rp.origin}/cb` });
  const tokens = await exchange(config, pending, await landedAt(page, rp.origin));
  const before = rp.logoutTokens.length;

  await page.goto(`${interop.sp.base}/logout`);
  const done = await page.waitForSelector('#logout, #error', { timeout: 15_000 });
  assert.equal(await done.textContent(), 'logged out', interop.sp.output());

  assert.equal(rp.logoutTokens.length, before + 1, 'the wiki was told over the back channel');
  const logout = jwtClaims(rp.logoutTokens.at(-1)!);
  assert.equal(logout.sub, ALICE_ID);
  assert.equal(`_${String(logout.sid)}`, saml.session_index);
  assert.ok((logout.events as Record<string, unknown>)['http://schemas.openid.net/event/backchannel-logout']);
  await assert.rejects(
    client.refreshTokenGrant(config, tokens.refresh_token!),
    oauthError('invalid_grant'),
    'the wiki’s grant went with the session',
  );

  const passive = await authorize(page, config, { redirect_uri: `${rp.origin}/cb`, prompt: 'none' });
  const landed = new URL(await landedAt(page, rp.origin));
  assert.equal(landed.searchParams.get('error'), 'login_required', 'the IdP session is over');
  assert.equal(landed.searchParams.get('state'), passive.state);
  await context.close();
});

it('OIDC RP-initiated logout goes on through SAML single logout of the session, then back to the relying party', async () => {
  const { context, page } = await signedInAtSp();
  const config = await wiki();
  const pending = await authorize(page, config, { redirect_uri: `${rp.origin}/cb` });
  const tokens = await exchange(config, pending, await landedAt(page, rp.origin));
  const before = rp.logoutTokens.length;
  await page.goto(`${interop.sp.base}/status`);
  assert.equal(await page.textContent('#status'), 'signed in');

  const slo: string[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(`${interop.sp.base}/slo`)) slo.push(request.url());
  });
  await page.goto(
    client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: `${rp.origin}/bye`,
      state: 'bye-state',
    }).href,
  );
  await page.click('button[value=yes]');
  const back = new URL(await landedAt(page, rp.origin));
  assert.equal(back.pathname, '/bye');
  assert.equal(back.searchParams.get('state'), 'bye-state');

  assert.equal(slo.length, 1, 'the browser took a LogoutRequest to the SAML SP on the way');
  assert.ok(new URL(slo[0]!).searchParams.get('SAMLRequest'));
  await page.goto(`${interop.sp.base}/status`);
  assert.equal(await page.textContent('#status'), 'signed out', interop.sp.output());
  assert.equal(rp.logoutTokens.length, before + 1, 'the wiki itself was told over the back channel');

  // Latch's session is over too: the SP's next sign-in shows the prompt.
  await page.goto(`${interop.sp.base}/login`);
  await page.waitForURL(new RegExp(`^${interop.latch.url}/login\\?tx=`));
  await context.close();
});

function jwtClaims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}
