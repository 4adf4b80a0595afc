import { after, before, describe, it } from 'mocha';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Client } from 'ldapts';
import type { LdapConfigInput } from '../../src/config/ldap.ts';
import type { LdapDirectory } from '../../src/ldap/index.ts';
import { normalizeDn } from '../../src/ldap/escape.ts';
import { startSlapd, LDAP_USERS, SLAPD_BASE, SLAPD_SERVICE, userDn, type Slapd } from '../support/slapd.ts';
import { assertFailure, directoryFor, INJECTIONS } from './helpers.ts';

// Generic LDAP: OpenLDAP slapd with inetOrgPerson users and the memberof overlay.

let slapd: Slapd;
let directory: LdapDirectory;
const opened: LdapDirectory[] = [];

function config(overrides: Partial<LdapConfigInput> = {}): LdapConfigInput {
  return {
    flavor: 'ldap',
    urls: [slapd.ldapsUrl],
    tls: { caFile: slapd.certs.caFile },
    bind: { dn: SLAPD_SERVICE.dn, passwordEnv: 'SVC_PW' },
    baseDns: [`ou=people,${SLAPD_BASE}`],
    loginAttributes: ['uid', 'mail'],
    ...overrides,
  };
}
function open(overrides: Partial<LdapConfigInput> = {}): LdapDirectory {
  const d = directoryFor(config(overrides), { env: { SVC_PW: SLAPD_SERVICE.password } });
  opened.push(d);
  return d;
}

before(async () => {
  slapd = await startSlapd();
  directory = open();
});
after(async () => {
  await Promise.all(opened.map((d) => d.close()));
  await slapd?.destroy();
});

describe('slapd: password sign-in', () => {
  it('a user signs in and gets id, names, mail and direct groups', async () => {
    const check = await directory.verifyPassword('alice', LDAP_USERS.alice.password);
    assert.equal(check.ok, true, JSON.stringify(check));
    if (!check.ok) return;
    assert.match(check.user.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(check.user.username, 'alice');
    assert.equal(check.user.email, 'alice@example.org');
    assert.equal(check.user.displayName, 'Alice Adams');
    assert.deepEqual([...check.user.groups].sort(), ['R&D, Europe', 'groupA']);
    const byId = await directory.findUserById(check.user.id);
    assert.equal(byId?.username, 'alice');
  });

  it('the second login attribute (mail) is tried when the first does not match', async () => {
    const check = await directory.verifyPassword('alice@example.org', LDAP_USERS.alice.password);
    assert.equal(check.ok && check.user.username, 'alice');
  });

  it('a password check is one search and one bind on pooled connections, by either login attribute, over two base DNs', async () => {
    const bases = [`ou=people,${SLAPD_BASE}`, `ou=groups,${SLAPD_BASE}`];
    const d = open({ baseDns: bases });
    assert.equal((await d.verifyPassword('bob', LDAP_USERS.bob.password)).ok, true, 'the pools have a connection each');
    for (const login of ['alice', 'alice@example.org']) {
      const from = slapd.daemon.output().length;
      const check = await d.verifyPassword(login, LDAP_USERS.alice.password);
      assert.equal(check.ok && check.user.username, 'alice');
      await new Promise((r) => setTimeout(r, 200));
      const log = slapd.daemon.output().slice(from);
      const searched = [...log.matchAll(/op=\d+ SRCH base="([^"]*)"/g)].map((m) => m[1]!.toLowerCase());
      assert.deepEqual(searched.sort(), bases.map((b) => b.toLowerCase()).sort(), `one search per base DN:\n${log}`);
      const binds = new Set([...log.matchAll(/(conn=\d+ op=\d+) BIND dn=/g)].map((m) => m[1]));
      assert.equal(binds.size, 1, `one bind:\n${log}`);
      assert.equal([...log.matchAll(/ACCEPT/g)].length, 0, `no new connection:\n${log}`);
    }
  });

  it('wrong password and unknown user', async () => {
    assertFailure(await directory.verifyPassword('alice', 'wrong'), 'invalid-credentials');
    assertFailure(await directory.verifyPassword('nobody', 'whatever'), 'user-not-found');
  });

  it('nested groups are resolved when turned on', async () => {
    const nested = open({ nestedGroups: true });
    const user = await nested.findUser('alice');
    assert.deepEqual([...(user?.groups ?? [])].sort(), ['R&D, Europe', 'groupA', 'groupB', 'groupC']);
  });

  it('users with special characters and non-ASCII names and passwords sign in', async () => {
    for (const u of [LDAP_USERS.special, LDAP_USERS.nonAscii]) {
      const check = await directory.verifyPassword(u.uid, u.password);
      assert.equal(check.ok, true, `${u.uid}: ${JSON.stringify(check)}`);
      assert.equal(check.ok && check.user.username, u.uid);
      assert.equal(check.ok && normalizeDn(check.user.attributes.dn as string), normalizeDn(userDn(u.uid)));
      assertFailure(await directory.verifyPassword(u.uid, LDAP_USERS.alice.password), 'invalid-credentials', u.uid);
    }
    const special = await directory.findUser(LDAP_USERS.special.uid);
    assert.deepEqual(special?.groups, ['R&D, Europe']);
  });

  it('an empty password is refused without any bind, though this server would accept it', async () => {
    // The hole: a DN with an empty password is an "unauthenticated bind" that slapd accepts here.
    const raw = new Client({ url: slapd.ldapsUrl, tlsOptions: { ca: [readFileSync(slapd.certs.caFile)] } });
    await raw.bind(userDn('alice'), '');
    await raw.unbind();
    const bindsBefore = directory.stats().userBinds;
    const logBefore = slapd.daemon.output().length;
    assertFailure(await directory.verifyPassword('alice', ''), 'empty-password');
    assert.equal(directory.stats().userBinds, bindsBefore);
    await new Promise((r) => setTimeout(r, 200));
    assert.doesNotMatch(slapd.daemon.output().slice(logBefore), /BIND dn="uid=alice/);
  });

  it('crafted logins match nobody and send no bind', async () => {
    const bindsBefore = directory.stats().userBinds;
    for (const login of INJECTIONS) {
      assert.equal(await directory.findUser(login), undefined, `findUser(${JSON.stringify(login)})`);
      assertFailure(
        await directory.verifyPassword(login, LDAP_USERS.alice.password),
        'user-not-found',
        JSON.stringify(login),
      );
    }
    assert.equal(directory.stats().userBinds, bindsBefore);
    // The decoy "weirdo" exists: a "*" that slipped through would have matched it too.
    assert.equal((await directory.findUser(LDAP_USERS.special.uid))?.username, LDAP_USERS.special.uid);
  });

  it('bad ids find nobody', async () => {
    for (const id of ['', '*', 'not-a-uuid', '00000000-0000-4000-a000-000000000000']) {
      assert.equal(await directory.findUserById(id), undefined, id);
    }
  });

  it('requiredGroup: members (also through nesting) sign in, others are unknown', async () => {
    const restricted = open({ nestedGroups: true, requiredGroup: 'groupC' });
    assert.equal((await restricted.verifyPassword('alice', LDAP_USERS.alice.password)).ok, true);
    assertFailure(await restricted.verifyPassword('bob', LDAP_USERS.bob.password), 'user-not-found');
    const byDn = open({ requiredGroup: `CN=R&D\\2C Europe,OU=groups,${SLAPD_BASE.toUpperCase()}` });
    assert.equal((await byDn.verifyPassword(LDAP_USERS.special.uid, LDAP_USERS.special.password)).ok, true);
    assertFailure(await byDn.verifyPassword('bob', LDAP_USERS.bob.password), 'user-not-found');
  });
});

describe('slapd: connection pools', () => {
  /** slapd's stats log since `from`: the bind DNs sent on each connection, and connections accepted. */
  function connections(from: number) {
    const log = slapd.daemon.output().slice(from);
    const binds = new Map<string, Set<string>>();
    for (const m of log.matchAll(/(conn=\d+) op=\d+ BIND dn="([^"]*)"/g))
      binds.set(m[1]!, (binds.get(m[1]!) ?? new Set()).add(m[2]!.toLowerCase()));
    return { binds, accepted: [...log.matchAll(/conn=\d+ fd=\d+ ACCEPT/g)].length };
  }

  it('at most pool.size connections per pool, and users never bind on the service connection', async () => {
    const from = slapd.daemon.output().length;
    const d = open({ pool: { size: 2 } });
    const users = [LDAP_USERS.alice, LDAP_USERS.bob, LDAP_USERS.nonAscii];
    const checks = await Promise.all(
      Array.from({ length: 24 }, (_, i) => d.verifyPassword(users[i % 3]!.uid, users[i % 3]!.password)),
    );
    assert.equal(checks.filter((c) => c.ok).length, 24);
    await new Promise((r) => setTimeout(r, 200));
    const { binds, accepted } = connections(from);
    assert.ok(accepted <= 4, `${accepted} connections for two pools of 2`);
    const service = SLAPD_SERVICE.dn.toLowerCase();
    const mixed = [...binds.entries()].filter(([, dns]) => dns.has(service) && dns.size > 1);
    assert.deepEqual(mixed, [], 'a connection bound as the service account was also used for a user bind');
    assert.ok(
      [...binds.values()].some((dns) => dns.has(userDn('bob').toLowerCase())),
      'user binds were seen',
    );
  });
});

describe('slapd: TLS', () => {
  it('StartTLS with certificate verification', async () => {
    const d = open({ urls: [slapd.ldapUrl], starttls: true });
    assert.equal((await d.verifyPassword('alice', LDAP_USERS.alice.password)).ok, true);
    await d.ping();
  });

  it('a certificate from an unknown CA is refused (LDAPS and StartTLS)', async () => {
    for (const overrides of [
      { tls: {} },
      { urls: [slapd.ldapUrl], starttls: true, tls: {} },
    ] as Partial<LdapConfigInput>[]) {
      const d = open(overrides);
      const check = await d.verifyPassword('alice', LDAP_USERS.alice.password);
      assertFailure(check, 'directory-unavailable');
      assert.match(check.ok ? '' : (check.detail ?? ''), /certificate/i);
      await assert.rejects(d.ping(), /certificate/i);
    }
  });

  it('a certificate for another name is refused', async () => {
    const d = open({ tls: { caFile: slapd.certs.caFile, servername: 'dc1.example.test' } });
    const check = await d.verifyPassword('alice', LDAP_USERS.alice.password);
    assertFailure(check, 'directory-unavailable');
    assert.match(check.ok ? '' : (check.detail ?? ''), /altnames|hostname|certificate/i);
  });
});

describe("slapd: the console's user search", () => {
  const names = (result: { users: { username: string }[] }) => result.users.map((u) => u.username).sort();

  it('finds users by part of the name, email or display name, in any case, with their direct groups', async () => {
    assert.deepEqual(names(await directory.searchUsers({ text: 'ALIC', limit: 10 })), ['alice']);
    assert.deepEqual(names(await directory.searchUsers({ text: 'bob@example', limit: 10 })), ['bob']);
    assert.deepEqual(names(await directory.searchUsers({ text: 'größe', limit: 10 })), ['jürgen']);
    const [alice] = (await directory.searchUsers({ text: 'alice', limit: 10 })).users;
    assert.deepEqual([...(alice?.groups ?? [])].sort(), ['R&D, Europe', 'groupA']);
    assert.equal(alice?.email, 'alice@example.org');
  });

  it('finds the members of a group by its name, even one that needs escaping', async () => {
    assert.deepEqual(
      names(await directory.searchUsers({ group: 'R&D, Europe', limit: 10 })),
      ['alice', LDAP_USERS.special.uid].sort(),
    );
    assert.deepEqual(names(await directory.searchUsers({ group: 'R&D, Europe', text: 'smith', limit: 10 })), [
      LDAP_USERS.special.uid,
    ]);
    assert.deepEqual(names(await directory.searchUsers({ group: 'no such group', limit: 10 })), []);
  });

  it('stops at the limit and says that more matched', async () => {
    const all = await directory.searchUsers({ limit: 100 });
    assert.equal(all.more, false);
    assert.ok(all.users.length >= 5);
    const two = await directory.searchUsers({ limit: 2 });
    assert.equal(two.users.length, 2);
    assert.equal(two.more, true);
  });

  it('filter syntax in the text matches those characters only: no wildcard, no injected filter', async () => {
    for (const text of ['al*', '*)(uid=*', 'alice)(|(uid=*', '(uid=alice)', 'alice\\2a', '*)(objectClass=*']) {
      assert.deepEqual(names(await directory.searchUsers({ text, limit: 50 })), [], text);
    }
    // "*" is a character of the special user's uid, and of no one else's name.
    assert.deepEqual(names(await directory.searchUsers({ text: '*', limit: 50 })), [LDAP_USERS.special.uid]);
    // The special user's uid holds "*(x)\\,": searched for literally, only that user matches (not the decoy "weirdo").
    assert.deepEqual(names(await directory.searchUsers({ text: 'weird*(x)', limit: 50 })), [LDAP_USERS.special.uid]);
    assert.deepEqual(names(await directory.searchUsers({ group: '*', limit: 50 })), []);
    assert.deepEqual(names(await directory.searchUsers({ text: 'alice\0', limit: 50 })), []);
  });

  it('pages through every user for the export', async () => {
    const paged = open({ pageSize: 2 });
    const pages: string[][] = [];
    await paged.eachUserPage(async (users) => void pages.push(users.map((u) => u.username)));
    assert.ok(pages.length >= 3, `pages of 2: ${JSON.stringify(pages)}`);
    assert.deepEqual(
      pages.flat().sort(),
      Object.values(LDAP_USERS)
        .map((u) => u.uid)
        .sort(),
    );
  });
});
