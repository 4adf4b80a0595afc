import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'mocha';
import { HttpClient } from '../support/http-client.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { LDAP_USERS, slapdDirectory, startSlapd, type Slapd } from '../support/slapd.ts';
import { recordStoreCalls } from '../support/store-calls.ts';

// The OIDC code flow for a browser that has an IdP session is a hot path. On OpenLDAP, the
// account behind the session is looked up (by its entry UUID) once per directory.accountCheckCache:
// the authorization endpoint takes the account its own session re-check found, and the token and
// userinfo endpoints ask the account re-check cache, so a second flow does not search at all.
// Its store work is the code's write at the authorization endpoint, and the code's consumption and
// the tokens at the token endpoint: nothing about the session is written.

const ALICE = LDAP_USERS.alice;
const SECRET = randomBytes(24).toString('hex');
const REDIRECT = 'http://127.0.0.1:9/cb';
/** directory.accountCheckCache: short, so that a test can wait for the kept answer to lapse. */
const CACHE_MS = 2_000;

describe('OIDC code flow with a session: directory and store work', () => {
  let slapd: Slapd;
  let latch: InProcessLatch;
  let calls: string[];
  /** The entry UUIDs Latch looked up (Directory.findUserById), in order. */
  const lookups: string[] = [];

  before(async () => {
    slapd = await startSlapd();
    latch = await startTestLatch({
      users: [],
      config: {
        directory: slapdDirectory(slapd, `${CACHE_MS / 1000}s`),
        oidc: { clients: [{ client_id: 'web', client_secret: SECRET, redirect_uris: [REDIRECT] }] },
      },
    });
    calls = recordStoreCalls(latch.services.store);
    const directory = latch.services.directory;
    const find = directory.findUserById.bind(directory);
    directory.findUserById = (id) => {
      lookups.push(id);
      return find(id);
    };
  });
  after(async () => {
    await latch?.stop();
    await slapd?.destroy();
  });

  /** authorize (answered from the session) → code → tokens; returns the access token. */
  async function codeFlow(browser: HttpClient): Promise<string> {
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      client_id: 'web',
      response_type: 'code',
      scope: 'openid email',
      redirect_uri: REDIRECT,
      state: 's',
      nonce: 'n',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const res = await browser.request(`/oidc/auth?${query}`);
    const location = res.headers.get('location') ?? '';
    assert.ok(location.startsWith(REDIRECT), `the session answers at once: ${res.status} ${location}`);
    const code = new URL(location).searchParams.get('code') ?? '';
    const token = await fetch(`${latch.url}/oidc/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`web:${SECRET}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        code_verifier: verifier,
      }),
    });
    const tokens = (await token.json()) as { access_token: string; id_token: string };
    assert.equal(token.status, 200, JSON.stringify(tokens));
    return tokens.access_token;
  }

  async function userinfo(access: string): Promise<unknown> {
    const res = await fetch(`${latch.url}/oidc/userinfo`, { headers: { authorization: `Bearer ${access}` } });
    assert.equal(res.status, 200);
    return res.json();
  }

  it('the account is searched once for the first flow and its userinfo, not at all for the next', async () => {
    const browser = new HttpClient(latch.url);
    await browser.signIn(ALICE.uid, ALICE.password);
    // The answer kept since the sign-in lapses: the next flow's session re-check searches.
    await sleep(CACHE_MS + 100);
    lookups.length = 0;
    const first = await codeFlow(browser);
    assert.deepEqual(await userinfo(first), { sub: lookups[0], email: ALICE.mail, email_verified: true });
    assert.equal(lookups.length, 1, 'the session re-check at the authorization endpoint, and nothing after it');
    lookups.length = 0;
    const second = await codeFlow(browser);
    await userinfo(second);
    assert.deepEqual(lookups, [], 'within accountCheckCache the directory is not searched again');
  });

  it('the store: the session read once, nothing of it written; the code, its consumption and the tokens', async () => {
    const browser = new HttpClient(latch.url);
    await browser.signIn(ALICE.uid, ALICE.password);
    await codeFlow(browser);
    calls.length = 0;
    await codeFlow(browser);
    const latchSession = calls.filter((c) => / session:/.test(c));
    assert.deepEqual(
      latchSession.map((c) => c.split(' ')[0]),
      ['get'],
      `the IdP session is read once:\n${calls.join('\n')}`,
    );
    const writes = calls.filter((c) => /^(set|createIfAbsent|compareAndSet|delete|take) /.test(c));
    assert.deepEqual(
      writes.map((c) => c.replace(/:[^:]+$/, '')),
      [
        'set oidc:AuthorizationCode',
        'compareAndSet oidc:AuthorizationCode',
        'set oidc:AccessToken',
        'set oidc:RefreshToken',
      ],
      calls.join('\n'),
    );
  });
});
