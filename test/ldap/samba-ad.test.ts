import { after, before, describe, it } from 'mocha';
import assert from 'node:assert/strict';
import type { LdapConfigInput } from '../../src/config/ldap.ts';
import type { LdapDirectory } from '../../src/ldap/index.ts';
import { AD_ADMIN, AD_USERS, BASE_DN, DC_NAME, startSambaAd, type SambaAd } from '../support/samba-ad.ts';
import { assertFailure, directoryFor, INJECTIONS } from './helpers.ts';
import { HttpClient, visibleText } from '../support/http-client.ts';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Attribute, Change, Client } from 'ldapts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { spMetadataXml } from '../support/sp-metadata.ts';
import { assertAtPrompt, assertSignedInAtSp, idpInitiated, samlSso } from '../support/sso-client.ts';
import { readAuthLog } from '../oidc/helpers.ts';

// Active Directory: a real Samba AD DC, provisioned once for this file. Samba keeps its default
// "ldap server require strong auth", so simple binds need LDAPS or StartTLS, as production AD.

let dc: SambaAd;
let directory: LdapDirectory;
const opened: LdapDirectory[] = [];

function open(overrides: Partial<LdapConfigInput> = {}): LdapDirectory {
  const d = directoryFor(
    {
      flavor: 'ad',
      urls: [dc.ldapsUrl],
      tls: { caFile: dc.caFile, servername: DC_NAME },
      bind: { upn: AD_USERS.service.upn, passwordEnv: 'AD_SVC_PW' },
      baseDns: [BASE_DN],
      ...overrides,
    },
    { env: { AD_SVC_PW: AD_USERS.service.password } },
  );
  opened.push(d);
  return d;
}

before(async () => {
  dc = await startSambaAd();
  directory = open();
});
after(async () => {
  await Promise.all(opened.map((d) => d.close()));
  await dc?.stop();
});

describe('Samba AD: password sign-in', () => {
  it('a user signs in by sAMAccountName or UPN and gets objectGUID, names and nested groups', async () => {
    for (const login of ['alice', 'ALICE', 'alice@example.test']) {
      const check = await directory.verifyPassword(login, AD_USERS.alice.password);
      assert.equal(check.ok, true, `${login}: ${JSON.stringify(check)}`);
      if (!check.ok) continue;
      assert.equal(check.user.username, 'alice');
      assert.equal(check.user.upn, 'alice@example.test');
      assert.equal(check.user.email, 'alice@example.test');
      assert.equal(check.user.displayName, 'Alice Adams');
      assert.match(check.user.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      // alice ∈ GroupA ∈ GroupB ∈ GroupC: memberOf alone would give GroupA and R&D only.
      assert.deepEqual([...check.user.groups].sort(), ['GroupA', 'GroupB', 'GroupC', 'R&D, Europe']);
    }
  });

  it('findUserById reads objectGUID back; a bad id finds nobody', async () => {
    const alice = await directory.findUser('alice');
    assert.ok(alice);
    assert.equal((await directory.findUserById(alice.id))?.username, 'alice');
    assert.equal(await directory.findUserById(alice.id.replace(/^./, (c) => (c === '0' ? '1' : '0'))), undefined);
    assert.equal(await directory.findUserById('*'), undefined);
  });

  it('groups come back complete through paged searches (page size 1)', async () => {
    const paged = open({ pageSize: 1 });
    const user = await paged.findUser('alice');
    assert.deepEqual([...(user?.groups ?? [])].sort(), ['GroupA', 'GroupB', 'GroupC', 'R&D, Europe']);
  });

  it('nested groups off: direct groups only', async () => {
    const flat = open({ nestedGroups: false });
    assert.deepEqual([...((await flat.findUser('alice'))?.groups ?? [])].sort(), ['GroupA', 'R&D, Europe']);
  });

  it('every AD account state gives its own reason', async () => {
    const cases: [keyof typeof AD_USERS, string][] = [
      ['disabled', 'account-disabled'],
      ['mustChange', 'must-change-password'],
      ['passwordExpired', 'password-expired'],
      ['accountExpired', 'account-expired'],
      ['logonHours', 'not-permitted-at-this-time'],
      ['workstation', 'not-permitted-from-this-workstation'],
    ];
    for (const [key, reason] of cases) {
      const u = AD_USERS[key];
      const check = await directory.verifyPassword(u.sam, u.password);
      assertFailure(check, reason as never, key);
      assert.match(check.ok ? '' : (check.detail ?? ''), /AcceptSecurityContext error, data/, key);
    }
    assertFailure(await directory.verifyPassword('alice', 'not her password'), 'invalid-credentials');
    assertFailure(await directory.verifyPassword('no.such.user', 'whatever'), 'user-not-found');
  });

  it('an account locked by wrong passwords reports account-locked, even with the right password', async () => {
    const u = AD_USERS.lockable;
    assert.equal((await directory.verifyPassword(u.sam, u.password)).ok, true);
    assert.equal((await directory.findUser(u.sam))?.disabled, undefined, 'usable before the lockout');
    for (let i = 0; i < 3; i++)
      assertFailure(await directory.verifyPassword(u.sam, `wrong-${i}`), 'invalid-credentials', `attempt ${i + 1}`);
    assertFailure(await directory.verifyPassword(u.sam, u.password), 'account-locked');
    assert.equal((await directory.findUser(u.sam))?.disabled, true, 'a passkey or push must not get past the lockout');
  });

  it('lookups without a password (passkeys, push) see disabled and expired accounts as disabled', async () => {
    const alice = (await directory.findUser('alice'))!;
    assert.equal((await directory.findUserById(alice.id))?.disabled, undefined);
    for (const key of ['disabled', 'accountExpired'] as const) {
      const found = await directory.findUser(AD_USERS[key].sam);
      assert.equal(found?.disabled, true, key);
      assert.equal((await directory.findUserById(found!.id))?.disabled, true, `${key} by id`);
    }
  });

  it('special-character and non-ASCII users sign in by name and by UPN', async () => {
    for (const u of [AD_USERS.special, AD_USERS.nonAscii]) {
      for (const login of [u.sam, u.upn]) {
        const check = await directory.verifyPassword(login, u.password);
        assert.equal(check.ok, true, `${login}: ${JSON.stringify(check)}`);
        assert.equal(check.ok && check.user.username, u.sam);
      }
      assertFailure(await directory.verifyPassword(u.sam, AD_USERS.alice.password), 'invalid-credentials', u.sam);
    }
    assert.deepEqual((await directory.findUser(AD_USERS.special.sam))?.groups, ['R&D, Europe']);
  });

  it('an empty password is refused without any bind', async () => {
    const before = directory.stats().userBinds;
    assertFailure(await directory.verifyPassword('alice', ''), 'empty-password');
    assertFailure(await directory.verifyPassword('no.such.user', ''), 'empty-password');
    assert.equal(directory.stats().userBinds, before);
  });

  it('crafted logins match nobody and send no bind', async () => {
    const before = directory.stats().userBinds;
    const logins = [...INJECTIONS, 'weird*(x)*@example.test', '*@example.test', 'alice@*', "o'brien*"];
    for (const login of logins) {
      assert.equal(await directory.findUser(login), undefined, `findUser(${JSON.stringify(login)})`);
      assertFailure(
        await directory.verifyPassword(login, AD_USERS.alice.password),
        'user-not-found',
        JSON.stringify(login),
      );
    }
    assert.equal(directory.stats().userBinds, before);
  });
});

describe('Samba AD: TLS and service account', () => {
  it('StartTLS on 389 with verification on', async () => {
    const d = open({ urls: [dc.ldapUrl], starttls: true });
    assert.equal((await d.verifyPassword('alice', AD_USERS.alice.password)).ok, true);
    await d.ping();
  });

  it("Samba's certificate is refused without its CA, or for another name", async () => {
    for (const tls of [{ servername: DC_NAME }, { caFile: dc.caFile }]) {
      const d = open({ tls });
      const check = await d.verifyPassword('alice', AD_USERS.alice.password);
      assertFailure(check, 'directory-unavailable', JSON.stringify(tls));
      assert.match(check.ok ? '' : (check.detail ?? ''), /certificate|altnames|self.signed/i);
    }
  });

  it('a wrong service password is reported as directory-unavailable, naming the account', async () => {
    const d = directoryFor(
      {
        urls: [dc.ldapsUrl],
        tls: { caFile: dc.caFile, servername: DC_NAME },
        bind: { dn: dc.dns[AD_USERS.service.cn]!, passwordEnv: 'P' },
        baseDns: [BASE_DN],
      },
      { env: { P: 'wrong' } },
    );
    opened.push(d);
    const check = await d.verifyPassword('alice', AD_USERS.alice.password);
    assertFailure(check, 'directory-unavailable');
    assert.match(check.ok ? '' : (check.detail ?? ''), /service account CN=svc-latch.* cannot bind/);
  });
});

describe('Samba AD through the sign-in prompt', () => {
  // Latch itself, with directory.type ldap against the DC: what a user sees for each account state.
  let latch: InProcessLatch;
  let base: string;

  before(async () => {
    process.env.LATCH_TEST_AD_SVC_PW = AD_USERS.service.password;
    latch = await startTestLatch({
      config: {
        directory: {
          type: 'ldap',
          ldap: {
            flavor: 'ad',
            urls: [dc.ldapsUrl],
            tls: { caFile: dc.caFile, servername: DC_NAME },
            bind: { upn: AD_USERS.service.upn, passwordEnv: 'LATCH_TEST_AD_SVC_PW' },
            baseDns: [BASE_DN],
          },
        },
      },
    });
    base = latch.url;
  });
  after(async () => {
    await latch?.stop();
  });

  it('a normal user signs in and sees their nested groups; /readyz checks the DC', async () => {
    const page = await new HttpClient(base).signIn(AD_USERS.alice.sam, AD_USERS.alice.password);
    const text = visibleText(page.text);
    assert.match(text, /Signed in as Alice Adams/);
    for (const group of ['GroupA', 'GroupB', 'GroupC']) assert.match(text, new RegExp(group));
    const ready = await fetch(`${base}/readyz`);
    assert.deepEqual(await ready.json(), { status: 'ready', checks: { store: 'ok', directory: 'ok' } });
  });

  it('non-ASCII and special-character users sign in through the prompt', async () => {
    assert.match(
      visibleText((await new HttpClient(base).signIn(AD_USERS.nonAscii.sam, AD_USERS.nonAscii.password)).text),
      /Signed in as Jürgen Größe/,
    );
    assert.match(
      visibleText((await new HttpClient(base).signIn(AD_USERS.special.sam, AD_USERS.special.password)).text),
      /Signed in as/,
    );
  });

  it('wrong password and unknown user get the same message', async () => {
    const wrong = visibleText((await new HttpClient(base).signIn(AD_USERS.bob.sam, 'not-the-password')).text);
    const unknown = visibleText((await new HttpClient(base).signIn('no.such.user', 'not-the-password')).text);
    assert.match(wrong, /Incorrect username or password\./);
    assert.match(unknown, /Incorrect username or password\./);
  });

  const states: Array<[string, { sam: string; password: string }, RegExp]> = [
    ['disabled (533)', AD_USERS.disabled, /Your account is disabled\. Contact your IT help desk/],
    ['must change password (773)', AD_USERS.mustChange, /You must change your password before you can sign in\./],
    ['password expired (532)', AD_USERS.passwordExpired, /Your password has expired\./],
    ['account expired (701)', AD_USERS.accountExpired, /Your account has expired\./],
    ['outside logon hours (530)', AD_USERS.logonHours, /not allowed to sign in at this time/],
    ['wrong workstation (531)', AD_USERS.workstation, /not allowed to sign in from here/],
  ];
  for (const [label, user, expected] of states) {
    it(`account state ${label}: the prompt says what happened and what to do`, async () => {
      const page = await new HttpClient(base).signIn(user.sam, user.password);
      assert.equal(page.status, 403);
      assert.match(visibleText(page.text), expected);
      assert.doesNotMatch(page.text, /Signed in as/);
    });
  }
});

describe('Samba AD: an account disabled or expired while signed in', () => {
  // userAccountControl's ACCOUNTDISABLE and an accountExpires in the past, set by the domain
  // administrator while the users have IdP sessions: single sign-on goes on until
  // directory.accountCheckCache (4 s here) has passed, then the sessions end and the log says why.
  const CACHE_MS = 4_000;
  const WIKI = 'https://wiki.test/metadata';
  let latch: InProcessLatch;
  let admin: Client;

  before(async () => {
    process.env.LATCH_TEST_AD_SVC_PW = AD_USERS.service.password;
    admin = new Client({ url: dc.ldapsUrl, tlsOptions: { ca: [readFileSync(dc.caFile)], servername: DC_NAME } });
    await admin.bind(AD_ADMIN.dn, AD_ADMIN.password);
    latch = await startTestLatch({
      users: [],
      config: {
        directory: {
          type: 'ldap',
          accountCheckCache: `${CACHE_MS / 1000}s`,
          ldap: {
            flavor: 'ad',
            urls: [dc.ldapsUrl],
            tls: { caFile: dc.caFile, servername: DC_NAME },
            bind: { upn: AD_USERS.service.upn, passwordEnv: 'LATCH_TEST_AD_SVC_PW' },
            baseDns: [BASE_DN],
          },
        },
        saml: {
          serviceProviders: {
            wiki: { metadataXml: spMetadataXml({ entityId: WIKI, acs: ['https://wiki.test/acs'] }), name: 'Wiki' },
          },
        },
      },
    });
  });
  after(async () => {
    await latch?.stop();
    await admin?.unbind();
  });

  function change(user: { cn: string }, type: string, value: string): Promise<void> {
    const modification = new Attribute({ type, values: [value] });
    return admin.modify(dc.dns[user.cn]!, new Change({ operation: 'replace', modification }));
  }

  async function signedIn(user: { sam: string; password: string }): Promise<HttpClient> {
    const browser = new HttpClient(latch.url);
    assert.match(visibleText((await browser.signIn(user.sam, user.password)).text), /Signed in as/);
    return browser;
  }

  it('single sign-on works until accountCheckCache has passed, then the session ends, logged', async () => {
    const { leaver, contractor } = AD_USERS;
    const [leaving, leavingInit, ending] = [await signedIn(leaver), await signedIn(leaver), await signedIn(contractor)];
    const start = Date.now();
    assertSignedInAtSp(await samlSso(leaving, WIKI), leaver.sam);
    assertSignedInAtSp(await samlSso(ending, WIKI), contractor.sam);

    await change(leaver, 'userAccountControl', String(0x200 | 0x2)); // NORMAL_ACCOUNT | ACCOUNTDISABLE
    await change(contractor, 'accountExpires', '132223104000000000'); // 2020-01-01

    assertSignedInAtSp(await samlSso(leaving, WIKI), leaver.sam);
    assertSignedInAtSp(await samlSso(ending, WIKI), contractor.sam);
    const elapsed = Date.now() - start;
    assert.ok(
      elapsed < CACHE_MS,
      `the checks above took ${elapsed} ms, longer than the cache lifetime: too slow for this test`,
    );

    await sleep(CACHE_MS - elapsed + 200);
    assertAtPrompt(await samlSso(leaving, WIKI));
    assertAtPrompt(await idpInitiated(leavingInit, WIKI));
    assertAtPrompt(await samlSso(ending, WIKI));
    for (const browser of [leaving, leavingInit, ending]) {
      assert.match(visibleText((await browser.get('/')).text), /not signed in/i);
    }

    const refused = (await readAuthLog(latch.dataDir)).filter((e) => e.event === 'session' && e.result === 'denied');
    const expected = [
      [contractor.sam, WIKI],
      [leaver.sam, WIKI],
      [leaver.sam, WIKI],
    ];
    assert.deepEqual(refused.map((e) => [e.user, e.app]).sort(), expected);
    assert.ok(
      refused.every((e) => /disabled, locked, expired/.test(String(e.reason))),
      JSON.stringify(refused),
    );
  });
});

describe("Samba AD: the console's user search", () => {
  const names = (result: { users: { username: string }[] }) => result.users.map((u) => u.username).sort();

  it('finds users by part of sAMAccountName, UPN, mail or display name', async () => {
    assert.deepEqual(names(await directory.searchUsers({ text: 'Alice Ad', limit: 10 })), ['alice']);
    assert.deepEqual(names(await directory.searchUsers({ text: 'bob@example.test', limit: 10 })), ['bob']);
    const [alice] = (await directory.searchUsers({ text: 'alice', limit: 10 })).users;
    assert.deepEqual([...(alice?.groups ?? [])].sort(), ['GroupA', 'R&D, Europe'], 'direct groups in a list');
  });

  it('a group counts its nested members (GroupC holds alice through GroupB and GroupA)', async () => {
    assert.deepEqual(names(await directory.searchUsers({ group: 'GroupC', limit: 10 })), ['alice']);
    assert.deepEqual(
      names(await directory.searchUsers({ group: 'R&D, Europe', limit: 10 })),
      ['alice', AD_USERS.special.sam].sort(),
    );
  });

  it('marks accounts the directory disables', async () => {
    const [disabled] = (await directory.searchUsers({ text: AD_USERS.disabled.sam, limit: 10 })).users;
    assert.equal(disabled?.disabled, true);
  });

  it('filter syntax in the text is matched literally', async () => {
    for (const text of ['*)(sAMAccountName=*', 'alice)(|(cn=*', '(cn=Alice Adams)', 'al*ce']) {
      assert.deepEqual(names(await directory.searchUsers({ text, limit: 50 })), [], text);
    }
    assert.deepEqual(names(await directory.searchUsers({ text: 'weird*(x)', limit: 50 })), [AD_USERS.special.sam]);
  });

  it('stops at the limit, and pages through every user for the export', async () => {
    const two = await directory.searchUsers({ limit: 2 });
    assert.deepEqual([two.users.length, two.more], [2, true]);
    const paged = open({ pageSize: 3 });
    const seen: string[] = [];
    let pages = 0;
    await paged.eachUserPage(async (users) => {
      pages++;
      seen.push(...users.map((u) => u.username));
    });
    assert.ok(pages >= 3);
    for (const user of [AD_USERS.alice, AD_USERS.bob, AD_USERS.nonAscii]) assert.ok(seen.includes(user.sam), user.sam);
  });
});
