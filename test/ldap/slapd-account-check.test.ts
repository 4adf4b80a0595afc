import { after, before, it } from 'mocha';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Attribute, Change, Client } from 'ldapts';
import { HttpClient } from '../support/http-client.ts';
import { scratchDir } from '../support/temp.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { oauthError, readAuthLog, rpConfig } from '../oidc/helpers.ts';
import { LDAP_USERS, SLAPD_BASE, groupDn, slapdDirectory, startSlapd, userDn, type Slapd } from '../support/slapd.ts';
import { spMetadataXml } from '../support/sp-metadata.ts';
import {
  assertAtPrompt,
  assertSignedInAtSp,
  client,
  exchangeCode,
  idpInitiated,
  oidcAuthorize,
  samlSso,
} from '../support/sso-client.ts';

// Latch on OpenLDAP: a user taken out of requiredGroup, and a user deleted, while they have an IdP
// session and OIDC tokens. Latch keeps the directory's "still usable" answer for
// directory.accountCheckCache (4 s here): within it single sign-on and userinfo still work, after
// it they are refused, the session is ended and the refusal logged. Put back in the group, the
// user signs in and single sign-on works at once (refusals are not kept). While the directory does
// not answer, nothing is answered from a session, and nothing is ended either.

const CACHE_MS = 4_000;
const WIKI = 'https://wiki.test/metadata';
const SECRET = 'crm-client-secret-that-is-long-enough-0123456789';
const CRM_CB = 'https://crm.test/cb';

let slapd: Slapd;
let admin: Client;
let latch: InProcessLatch;
let crm: client.Configuration;

before(async () => {
  slapd = await startSlapd();
  admin = new Client({ url: slapd.ldapsUrl, tlsOptions: { ca: [readFileSync(slapd.certs.caFile)] } });
  await admin.bind(`cn=admin,${SLAPD_BASE}`, 'admin-secret');
  // groupA is the required group; bob and jürgen join alice in it.
  for (const uid of [LDAP_USERS.bob.uid, LDAP_USERS.nonAscii.uid]) await member(uid, 'add');
  latch = await startTestLatch({
    users: [],
    config: {
      directory: slapdDirectory(slapd, `${CACHE_MS / 1000}s`, { requiredGroup: 'groupA' }),
      saml: {
        metadataDir: scratchDir('latch-metadata-'),
        serviceProviders: {
          wiki: { metadataXml: spMetadataXml({ entityId: WIKI, acs: ['https://wiki.test/acs'] }), name: 'Wiki' },
        },
      },
      oidc: { clients: [{ client_id: 'crm', client_name: 'CRM', client_secret: SECRET, redirect_uris: [CRM_CB] }] },
    },
  });
  crm = await rpConfig(latch.url, 'crm', client.ClientSecretBasic(SECRET));
});
after(async () => {
  await latch?.stop();
  await admin?.unbind();
  await slapd?.destroy();
});

function member(uid: string, operation: 'add' | 'delete'): Promise<void> {
  const modification = new Attribute({ type: 'member', values: [userDn(uid)] });
  return admin.modify(groupDn('groupA'), new Change({ operation, modification }));
}

async function signedIn(key: keyof typeof LDAP_USERS): Promise<HttpClient> {
  const browser = new HttpClient(latch.url);
  await browser.signIn(LDAP_USERS[key].uid, LDAP_USERS[key].password);
  return browser;
}

it('out of requiredGroup, or deleted: SSO and tokens work until accountCheckCache has passed, then not', async () => {
  const alice = await signedIn('alice');
  const bob = await signedIn('bob');
  const aliceInit = await signedIn('alice');
  const start = Date.now();
  const tokens = await exchangeCode(crm, await oidcAuthorize(alice, crm, CRM_CB));
  const aliceId = tokens.claims()!.sub;
  assertSignedInAtSp(await samlSso(bob, WIKI), 'bob');

  await member('alice', 'delete');
  await admin.del(userDn('bob'));

  // Within the cache lifetime: the directory's earlier answer stands.
  assertSignedInAtSp(await samlSso(alice, WIKI), 'alice');
  assertSignedInAtSp(await samlSso(bob, WIKI), 'bob');
  assert.equal((await client.fetchUserInfo(crm, tokens.access_token, aliceId)).sub, aliceId);
  const elapsed = Date.now() - start;
  assert.ok(
    elapsed < CACHE_MS,
    `the checks above took ${elapsed} ms, longer than the cache lifetime: too slow for this test`,
  );

  await sleep(CACHE_MS - elapsed + 200);
  assertAtPrompt(await samlSso(alice, WIKI));
  assertAtPrompt(await idpInitiated(aliceInit, WIKI));
  assertAtPrompt(await samlSso(bob, WIKI));
  await assert.rejects(client.fetchUserInfo(crm, tokens.access_token, aliceId), oauthError('invalid_token'));
  await assert.rejects(client.refreshTokenGrant(crm, tokens.refresh_token!), oauthError('invalid_grant'));

  const log = (await readAuthLog(latch.dataDir)).filter((e) => e.result === 'denied');
  const sessions = log.filter((e) => e.event === 'session');
  assert.deepEqual(
    sessions.filter((e) => e.user === 'alice').map((e) => e.app),
    [WIKI, WIKI],
  );
  assert.match(String(sessions.find((e) => e.user === 'alice')?.reason), /requiredGroup/);
  assert.match(String(sessions.find((e) => e.user === 'bob')?.reason), /no longer in the directory/);
  const tokensRefused = log.filter((e) => e.userId === aliceId && String(e.event).startsWith('oidc-'));
  assert.deepEqual(tokensRefused.map((e) => e.event).sort(), ['oidc-token', 'oidc-userinfo']);

  // Back in the group: a new sign-in, and single sign-on from it, work at once.
  await member('alice', 'add');
  assertSignedInAtSp(await samlSso(await signedIn('alice'), WIKI), 'alice');
});

it('a directory that does not answer: no SSO and no refresh, but session and tokens stay for when it answers', async () => {
  const browser = await signedIn('nonAscii');
  const tokens = await exchangeCode(crm, await oidcAuthorize(browser, crm, CRM_CB));
  await slapd.stop();
  await sleep(CACHE_MS + 200);
  try {
    assertAtPrompt(await samlSso(browser, WIKI));
    // server_error (HTTP 500): the client may try again, and must not drop its tokens as for invalid_grant.
    const refresh = client.refreshTokenGrant(crm, tokens.refresh_token!);
    const refused = await refresh.then(
      () => undefined,
      (err: { cause?: unknown }) => err.cause,
    );
    assert.ok(refused instanceof Response, 'the refresh is refused');
    assert.equal(refused.status, 500);
    assert.equal(((await refused.json()) as { error?: string }).error, 'server_error');
  } finally {
    await slapd.restart();
  }
  assertSignedInAtSp(await samlSso(browser, WIKI), LDAP_USERS.nonAscii.uid);
  assert.ok((await client.refreshTokenGrant(crm, tokens.refresh_token!)).access_token);
  const errors = (await readAuthLog(latch.dataDir)).filter((e) => e.event === 'session' && e.result === 'error');
  assert.deepEqual(
    errors.map((e) => [e.user, e.app]),
    [[LDAP_USERS.nonAscii.uid, WIKI]],
  );
  assert.match(String(errors[0]?.reason), /the directory did not answer/);
});
