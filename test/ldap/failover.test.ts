import { after, before, it } from 'mocha';
import assert from 'node:assert/strict';
import type { PasswordCheck } from '../../src/directory/contract.ts';
import type { LdapDirectory } from '../../src/ldap/index.ts';
import { startSlapd, LDAP_USERS, SLAPD_BASE, SLAPD_SERVICE, type Slapd } from '../support/slapd.ts';
import { assertFailure, directoryFor } from './helpers.ts';

// Two directory servers with the same data (slapd A and B). Sign-ins keep working when A is
// stopped or hangs mid-run, and ping (for /readyz) fails only when both are down.

let a: Slapd;
let b: Slapd;
const opened: LdapDirectory[] = [];

function open(): LdapDirectory {
  const d = directoryFor(
    {
      flavor: 'ldap',
      urls: [a.ldapsUrl, b.ldapsUrl],
      tls: { caFile: a.certs.caFile },
      connectTimeout: '1s',
      operationTimeout: '1s',
      bind: { dn: SLAPD_SERVICE.dn, passwordEnv: 'P' },
      baseDns: [SLAPD_BASE],
      pool: { size: 4 },
    },
    { env: { P: SLAPD_SERVICE.password }, retryAfterMs: 60_000 },
  );
  opened.push(d);
  return d;
}

/** count sign-ins, 4 at a time; `midway` runs once after the first quarter have finished. */
async function signIns(d: LdapDirectory, count: number, midway: () => Promise<void>): Promise<PasswordCheck[]> {
  const results: PasswordCheck[] = [];
  let next = 0;
  let fired = false;
  const worker = async () => {
    while (next < count) {
      next++;
      results.push(await d.verifyPassword('alice', LDAP_USERS.alice.password));
      if (!fired && results.length >= count / 4) {
        fired = true;
        await midway();
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return results;
}

before(async () => {
  a = await startSlapd();
  b = await startSlapd({ certs: a.certs });
});
after(async () => {
  await Promise.all(opened.map((d) => d.close()));
  await b?.destroy();
  await a?.destroy();
});

it('a server stopped mid-run: every sign-in still succeeds, on the other server', async () => {
  const d = open();
  const bLogBefore = b.daemon.output().length;
  const results = await signIns(d, 40, () => a.stop());
  assert.equal(results.filter((r) => r.ok).length, 40, JSON.stringify(results.filter((r) => !r.ok)));
  assert.deepEqual(d.stats().servers, [
    { url: a.ldapsUrl, up: false },
    { url: b.ldapsUrl, up: true },
  ]);
  assert.match(b.daemon.output().slice(bLogBefore), /BIND dn="uid=alice,ou=people,dc=example,dc=org"/);
  await d.ping();
  await a.restart();
});

it('a server that stops answering (hung, not closed): sign-ins fail over after the timeout', async () => {
  const d = open();
  assert.equal((await d.verifyPassword('alice', LDAP_USERS.alice.password)).ok, true);
  assert.deepEqual(
    d.stats().servers.map((s) => s.up),
    [true, true],
  );
  a.daemon.pause();
  try {
    const started = Date.now();
    const results = await signIns(d, 12, async () => {});
    assert.equal(results.filter((r) => r.ok).length, 12, JSON.stringify(results.filter((r) => !r.ok)));
    assert.equal(d.stats().servers[0]!.up, false);
    // Only the requests caught on A wait for a timeout; later ones go straight to B.
    assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
  } finally {
    a.daemon.resume();
  }
});

it('ping fails when every server is down, and recovers when one is back', async () => {
  const d = open();
  await d.ping();
  await Promise.all([a.stop(), b.stop()]);
  await assert.rejects(d.ping(), /no directory server answered/);
  assertFailure(await d.verifyPassword('alice', LDAP_USERS.alice.password), 'directory-unavailable');
  await b.restart();
  await d.ping();
  assert.equal((await d.verifyPassword('alice', LDAP_USERS.alice.password)).ok, true);
  await a.restart();
});
