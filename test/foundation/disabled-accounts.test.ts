import { after, before, it } from 'mocha';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readUsersFile, writeUsersFile, type LocalUserRecord } from '../../src/directory/local-file.ts';
import { HttpClient, visibleText } from '../support/http-client.ts';
import { addUser, runLatch } from '../support/commands.ts';
import { startTestLatch, type LatchProcess } from '../support/latch.ts';
import { scratchDir } from '../support/temp.ts';
import { spMetadataXml } from '../support/sp-metadata.ts';
import {
  assertAtPrompt,
  assertSignedInAtSp,
  client,
  exchangeCode,
  idpInitiated,
  oidcAuthorize,
  samlAnswer,
  samlSso,
  samlSsoCrossSitePost,
} from '../support/sso-client.ts';
import { oauthError, rpConfig } from '../oidc/helpers.ts';

// A user disabled in the local user file, or removed with `latch user remove`, while they still
// have an IdP session and OIDC tokens: single sign-on (SAML from the SP and IdP-initiated, OIDC
// with and without prompt=none), the account pages, the refresh grant and userinfo all stop
// working, and each refusal is in the authentication log. A user removed from the group that
// policy relied on is judged by the groups they have now.

const PASSWORD = 'correct horse battery';
const WIKI = 'https://wiki.test/metadata';
const PAYROLL = 'https://payroll.test/metadata';
const SECRET = 'crm-client-secret-that-is-long-enough-0123456789';
const CRM_CB = 'https://crm.test/cb';

let latch: LatchProcess;
let crm: client.Configuration;

before(async () => {
  latch = await startTestLatch({
    run: 'process',
    config: {
      signIn: { failureDelay: '1ms' },
      saml: {
        metadataDir: scratchDir('latch-metadata-'),
        serviceProviders: {
          wiki: { metadataXml: spMetadataXml({ entityId: WIKI, acs: ['https://wiki.test/acs'] }), name: 'Wiki' },
          // Nobody may use Payroll but the payroll group.
          payroll: {
            metadataXml: spMetadataXml({ entityId: PAYROLL, acs: ['https://payroll.test/acs'] }),
            name: 'Payroll',
            policy: { deny: true },
          },
        },
      },
      policy: { groups: [{ group: 'payroll', deny: false }] },
      oidc: { clients: [{ client_id: 'crm', client_name: 'CRM', client_secret: SECRET, redirect_uris: [CRM_CB] }] },
    },
  });
  for (const name of ['alice', 'bob']) await addUser(latch.env, name, { password: PASSWORD });
  await addUser(latch.env, 'carol', { password: PASSWORD, groups: ['payroll'] });
  crm = await rpConfig(latch.url, 'crm', client.ClientSecretBasic(SECRET));
});
after(async () => {
  await latch?.stop();
});

const usersFile = () => path.join(latch.dataDir, 'users.yaml');

/** Edits one user's record in the users file, as an operator would; waits until Latch has re-read it. */
async function editUser(name: string, change: (record: LocalUserRecord) => void): Promise<void> {
  const users = readUsersFile(usersFile());
  change(users[name]!);
  writeUsersFile(usersFile(), users);
  await sleep(1100);
}

/** A browser signed in to Latch (its account page) as this user. */
async function signedIn(username: string): Promise<HttpClient> {
  const browser = new HttpClient(latch.url);
  assert.match(visibleText((await browser.signIn(username, PASSWORD)).text), /Signed in as/);
  return browser;
}

/** One signed-in browser (its own session) per name, for attacks that each need a live session. */
async function sessionsOf<K extends string>(username: string, names: readonly K[]): Promise<Record<K, HttpClient>> {
  const browsers = await Promise.all(names.map(async (name) => [name, await signedIn(username)] as const));
  return Object.fromEntries(browsers) as Record<K, HttpClient>;
}

/** Waits until the authentication log has `count` entries that match, and checks it has no more. */
async function assertLogged(match: Record<string, string | RegExp>, count: number): Promise<void> {
  const matches = (e: Record<string, unknown>) =>
    Object.entries(match).every(([k, v]) => (v instanceof RegExp ? v.test(String(e[k])) : e[k] === v));
  const found = () => latch.authEvents().filter(matches);
  for (let i = 0; i < 40 && found().length < count; i++) await sleep(50);
  const message = `${count} log entries like ${String(Object.entries(match))}: ${JSON.stringify(found())}`;
  assert.equal(found().length, count, message);
}

async function assertSignedOut(browser: HttpClient): Promise<void> {
  const home = await browser.get('/');
  assert.match(visibleText(home.text), /not signed in/i);
  assert.equal(browser.cookies.has('latch_session'), false, 'the session cookie is cleared');
}

it('a user disabled in the users file: no SAML assertion, OIDC code, refresh, userinfo or account page', async () => {
  // Browsers with sessions, and tokens from one of them, all from before the change.
  const names = ['sso', 'crossSite', 'init', 'passive', 'oidc', 'account'] as const;
  const { sso, crossSite, init, passive, oidc, account } = await sessionsOf('alice', names);
  assertSignedInAtSp(await samlSso(sso, WIKI), 'alice');
  const tokens = await exchangeCode(crm, await oidcAuthorize(oidc, crm, CRM_CB));
  assert.ok(tokens.refresh_token);
  const userId = tokens.claims()!.sub;

  await editUser('alice', (record) => (record.disabled = true));
  const refused = { event: 'session', result: 'denied', user: 'alice', userId, reason: /session ended: .*disabled/ };

  assertAtPrompt(await samlSso(sso, WIKI));
  await assertSignedOut(sso);
  await assertLogged({ ...refused, app: WIKI }, 1);

  // HTTP-POST from the SP's site arrives without the session cookie; the prompt looks at the session.
  assertAtPrompt(await samlSsoCrossSitePost(crossSite, WIKI));
  await assertSignedOut(crossSite);
  await assertLogged({ ...refused, app: WIKI }, 2);

  assertAtPrompt(await idpInitiated(init, WIKI));
  await assertSignedOut(init);
  await assertLogged({ ...refused, app: WIKI }, 3);

  const none = await oidcAuthorize(passive, crm, CRM_CB, { prompt: 'none' });
  assert.equal(none.landed?.searchParams.get('error'), 'login_required');
  assert.equal(none.landed?.searchParams.get('code'), null);
  await assertLogged({ ...refused, app: 'crm' }, 1);
  const interactive = await oidcAuthorize(oidc, crm, CRM_CB);
  assert.equal(interactive.landed, undefined, 'no code');
  assert.match(interactive.page?.path ?? '', /^\/login\?tx=/, 'the prompt instead');
  await assertLogged({ ...refused, app: 'crm' }, 2);

  await assert.rejects(client.refreshTokenGrant(crm, tokens.refresh_token), oauthError('invalid_grant'));
  const tokenRefused = { result: 'denied', user: 'alice', userId, app: 'crm', reason: /disabled/ };
  await assertLogged({ ...tokenRefused, event: 'oidc-token' }, 1);
  await assert.rejects(client.fetchUserInfo(crm, tokens.access_token, userId), oauthError('invalid_token'));
  await assertLogged({ ...tokenRefused, event: 'oidc-userinfo' }, 1);

  // The same session on Latch's own pages reads as no session.
  const passcodes = await account.request('/account/passcodes');
  assert.equal(passcodes.status, 302);
  assert.equal(passcodes.headers.get('location'), '/account/sign-in');
  await assertSignedOut(account);
  await assertLogged({ ...refused, app: 'account' }, 1);

  // Enabled again: a new sign-in works, and so does single sign-on from it.
  await editUser('alice', (record) => (record.disabled = false));
  assertSignedInAtSp(await samlSso(await signedIn('alice'), WIKI), 'alice');
});

it('a user removed with `latch user remove`: no SAML assertion (passive or not), code, refresh or userinfo', async () => {
  const { sso, init, passiveSaml, passive } = await sessionsOf('bob', ['sso', 'init', 'passiveSaml', 'passive']);
  const tokens = await exchangeCode(crm, await oidcAuthorize(passive, crm, CRM_CB));
  const userId = tokens.claims()!.sub;

  const removed = await runLatch(['user', 'remove', 'bob'], { env: latch.env });
  assert.equal(removed.code, 0, removed.stderr);
  await sleep(1100);
  const refused = { result: 'denied', userId, reason: /no longer in the directory/ };

  assertAtPrompt(await samlSso(sso, WIKI));
  assertAtPrompt(await idpInitiated(init, WIKI));
  const noPassive = samlAnswer(await samlSso(passiveSaml, WIKI, { passive: true }));
  assert.match(noPassive?.xml ?? '', /StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:NoPassive"/);
  assert.doesNotMatch(noPassive?.xml ?? '', /Assertion/);
  const none = await oidcAuthorize(passive, crm, CRM_CB, { prompt: 'none' });
  assert.equal(none.landed?.searchParams.get('error'), 'login_required');
  for (const browser of [sso, init, passiveSaml, passive]) await assertSignedOut(browser);
  await assertLogged({ ...refused, event: 'session', user: 'bob', app: WIKI }, 3);
  await assertLogged({ ...refused, event: 'session', user: 'bob', app: 'crm' }, 1);

  await assert.rejects(client.refreshTokenGrant(crm, tokens.refresh_token!), oauthError('invalid_grant'));
  await assert.rejects(client.fetchUserInfo(crm, tokens.access_token, userId), oauthError('invalid_token'));
  await assertLogged({ ...refused, event: 'oidc-token', app: 'crm' }, 1);
  await assertLogged({ ...refused, event: 'oidc-userinfo', app: 'crm' }, 1);
});

it('a user taken out of the group that policy relied on: single sign-on judges the groups of now', async () => {
  const browser = await signedIn('carol');
  assertSignedInAtSp(await samlSso(browser, PAYROLL), 'carol');

  await editUser('carol', (record) => (record.groups = []));

  assertAtPrompt(await samlSso(browser, PAYROLL));
  // Her account is fine: the session stands for what her policy still allows, with her groups of now.
  const wiki = samlAnswer(await samlSso(browser, WIKI));
  assert.ok(wiki, 'the wiki still gets an assertion');
  assert.doesNotMatch(wiki.xml, /payroll/, 'and it no longer lists the payroll group');
});
