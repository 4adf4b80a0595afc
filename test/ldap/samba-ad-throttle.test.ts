import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'mocha';
import { LdapDirectory } from '../../src/ldap/index.ts';
import { HttpClient, visibleText, type Page } from '../support/http-client.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { scratchDir } from '../support/temp.ts';
import { AD_USERS, BASE_DN, DC_NAME, startSambaAd, type SambaAd } from '../support/samba-ad.ts';

// The per-account password throttle against Active Directory (a real Samba AD DC): a user's
// sAMAccountName and userPrincipalName, in any case, are one account with one counter, and a
// throttled attempt sends no bind to the DC. Run under `flock /tmp/samba.lock` (fixed ports).

const THROTTLED = /Too many failed attempts\. Wait \d+ minutes? and try again\./;
const INCORRECT = /Incorrect username or password\./;

let dc: SambaAd;
let latch: InProcessLatch;
let directory: LdapDirectory;

before(async () => {
  dc = await startSambaAd();
  const secrets = scratchDir('latch-secrets-');
  const passwordFile = path.join(secrets, 'svc-password');
  writeFileSync(passwordFile, AD_USERS.service.password, { mode: 0o600 });
  latch = await startTestLatch({
    config: {
      signIn: { failureDelay: '10ms' },
      throttle: { perAccount: { maxFailures: 3, window: '15m' }, perIp: { maxFailures: 1000, window: '15m' } },
      directory: {
        type: 'ldap',
        ldap: {
          flavor: 'ad',
          urls: [dc.ldapsUrl],
          tls: { caFile: dc.caFile, servername: DC_NAME },
          bind: { upn: AD_USERS.service.upn, passwordFile },
          baseDns: [BASE_DN],
        },
      },
    },
  });
  assert.ok(latch.services.directory instanceof LdapDirectory);
  directory = latch.services.directory;
});

after(async () => {
  await latch?.stop();
  await dc?.stop();
});

/** A fresh browser on the password page for `login`, ready to post a password. */
async function atPasswordPage(login: string): Promise<{ client: HttpClient; page: Page }> {
  const client = new HttpClient(latch.url);
  const page = await client.passwordPage(login);
  return { client, page };
}

async function attempt(login: string, password: string): Promise<string> {
  const { client, page } = await atPasswordPage(login);
  return visibleText((await client.submit(page, { password })).text);
}

describe('Samba AD: the password throttle counts accounts, not spellings', () => {
  it('wrong as bob, bob@example.test and BOB, then right as Bob@Example.Test: refused, no bind', async () => {
    const { sam, upn, password } = AD_USERS.bob;
    for (const login of [sam, upn, sam.toUpperCase()]) {
      assert.match(await attempt(login, 'not-the-password'), INCORRECT, login);
    }

    const binds = directory.stats().userBinds;
    const shown = await attempt('Bob@Example.Test', password);
    assert.match(shown, THROTTLED);
    assert.doesNotMatch(shown, /Signed in as/);
    assert.equal(directory.stats().userBinds, binds, 'a throttled attempt sends no bind to the DC');
    const [throttled] = await latch.services.authLog.query({ result: 'throttled' });
    assert.equal(throttled?.data.user, 'Bob@Example.Test');
    assert.match(String(throttled?.data.reason), /too many failed passwords for this account/);
  });

  it('20 guesses in parallel under the sAMAccountName and the UPN: 3 binds reach the DC', async () => {
    const { sam, upn } = AD_USERS.nonAscii;
    const logins = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? sam : upn.toUpperCase()));
    const browsers = await Promise.all(logins.map(atPasswordPage));
    const binds = directory.stats().userBinds;
    const posts = browsers.map(({ client, page }, i) => client.submit(page, { password: `wrong ${i}` }));
    const pages = await Promise.all(posts);
    const shown = pages.map((p) => visibleText(p.text));
    assert.equal(shown.filter((t) => INCORRECT.test(t)).length, 3);
    assert.equal(shown.filter((t) => THROTTLED.test(t)).length, 17);
    assert.equal(directory.stats().userBinds - binds, 3);
    assert.match(await attempt(upn, AD_USERS.nonAscii.password), THROTTLED);
  });
});

describe('Samba AD: verifyPassword names the account before the bind', () => {
  it('sAMAccountName and UPN, any case: one objectGUID for beforeCheck, before any bind', async () => {
    const { sam, upn, password } = AD_USERS.alice;
    const alice = await directory.findUser(sam);
    assert.ok(alice);
    for (const login of [sam, upn, upn.toUpperCase()]) {
      const binds = directory.stats().userBinds;
      const named: Array<{ id?: string; bindsSoFar: number }> = [];
      const check = await directory.verifyPassword(login, password, async (user) => {
        named.push({ id: user?.id, bindsSoFar: directory.stats().userBinds - binds });
        return 'check';
      });
      assert.equal(check.ok, true, login);
      assert.deepEqual(named, [{ id: alice.id, bindsSoFar: 0 }], login);
    }

    const binds = directory.stats().userBinds;
    const stopped = await directory.verifyPassword(upn, password, async () => 'stop');
    assert.deepEqual(stopped, { ok: false, reason: 'not-checked' });
    const nobody: unknown[] = [];
    const unknown = await directory.verifyPassword('no.such.user', 'whatever', async (user) => {
      nobody.push(user);
      return 'check';
    });
    assert.equal(unknown.ok ? '' : unknown.reason, 'user-not-found');
    assert.deepEqual(nobody, [undefined]);
    assert.equal(directory.stats().userBinds, binds, 'neither sent a bind');
  });
});
