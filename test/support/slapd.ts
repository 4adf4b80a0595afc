import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { escapeDnValue } from '../../src/ldap/escape.ts';
import { portInUse, startDaemon, waitFor, type Daemon } from './daemon.ts';
import { freePort } from './free-port.ts';
import { makeTestCertificates, type TestCertificates } from './test-ca.ts';

// OpenLDAP slapd on free loopback ports for the tests: a temp slapd.conf, an mdb database loaded
// with slapadd (inetOrgPerson users, groupOfNames groups, memberOf written in and kept up to date
// by the memberof overlay), ldap:// (with StartTLS) and ldaps:// with a throwaway test CA.
// Entry UUIDs are derived from the DN, so two instances loaded alike act as replicas.

const run = promisify(execFile);

export const SLAPD_BASE = 'dc=example,dc=org';
export const SLAPD_SERVICE = { dn: `cn=latch,ou=services,${SLAPD_BASE}`, password: 'svc-secret-latch' };

export interface LdapUser {
  uid: string;
  cn: string;
  password: string;
  mail?: string;
  displayName?: string;
}

export const LDAP_USERS = {
  alice: {
    uid: 'alice',
    cn: 'Alice Adams',
    password: 'alice-pw-1',
    mail: 'alice@example.org',
    displayName: 'Alice Adams',
  },
  bob: { uid: 'bob', cn: 'Bob Brown', password: 'bob-pw-1', mail: 'bob@example.org' },
  special: { uid: 'weird*(x)\\,+"<>;=', cn: 'Smith, John', password: 'p*()\\,+"<>;= pw', mail: 'weird@example.org' },
  nonAscii: { uid: 'jürgen', cn: 'Jürgen Größe', password: 'Pässwörd€1', displayName: 'Jürgen Größe' },
  decoy: { uid: 'weirdo', cn: 'Decoy', password: 'decoy-pw-1' },
} satisfies Record<string, LdapUser>;

/** alice ∈ groupA ∈ groupB ∈ groupC; alice and the special user in "R&D, Europe". */
export const LDAP_GROUPS: { cn: string; members: string[] }[] = [
  { cn: 'groupA', members: ['user:alice'] },
  { cn: 'groupB', members: ['group:groupA'] },
  { cn: 'groupC', members: ['group:groupB'] },
  { cn: 'R&D, Europe', members: ['user:alice', `user:${LDAP_USERS.special.uid}`] },
];

export const userDn = (uid: string) => `uid=${escapeDnValue(uid)},ou=people,${SLAPD_BASE}`;
export const groupDn = (cn: string) => `cn=${escapeDnValue(cn)},ou=groups,${SLAPD_BASE}`;

export interface Slapd {
  dir: string;
  ldapUrl: string;
  ldapsUrl: string;
  certs: TestCertificates;
  daemon: Daemon;
  /** Starts slapd again on the same ports and data after stop(). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** stop() and remove the temp dir. */
  destroy(): Promise<void>;
}

/** `bulkUsers`: that many more users, bulk0000, bulk0001…, each with BULK_PASSWORD (benchmarks). */
export async function startSlapd(options: { certs?: TestCertificates; bulkUsers?: number } = {}): Promise<Slapd> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'latch-slapd-'));
  try {
    const certs = options.certs ?? (await makeTestCertificates(dir));
    mkdirSync(path.join(dir, 'db'));
    const conf = path.join(dir, 'slapd.conf');
    writeFileSync(conf, slapdConf(dir, certs));
    writeFileSync(path.join(dir, 'data.ldif'), dataLdif(options.bulkUsers ?? 0));
    await run('slapadd', ['-f', conf, '-l', path.join(dir, 'data.ldif')]);
    const [ldapPort, ldapsPort] = [await freePort(), await freePort()];
    const ldapUrl = `ldap://127.0.0.1:${ldapPort}`;
    const ldapsUrl = `ldaps://127.0.0.1:${ldapsPort}`;
    const start = async () => {
      // -d 256: stay in the foreground and log every operation (tests read the BINDs).
      const daemon = startDaemon('slapd', ['-d', '256', '-f', conf, '-h', `${ldapUrl}/ ${ldapsUrl}/`]);
      await waitFor(
        'slapd',
        async () => (await portInUse(ldapPort)) && (await portInUse(ldapsPort)),
        15_000,
        daemon.exited,
      );
      return daemon;
    };
    const slapd: Slapd = {
      dir,
      ldapUrl,
      ldapsUrl,
      certs,
      daemon: await start(),
      async restart() {
        slapd.daemon = await start();
      },
      async stop() {
        await slapd.daemon.stop();
      },
      async destroy() {
        await slapd.daemon.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return slapd;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function slapdConf(dir: string, certs: TestCertificates): string {
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
TLSCACertificateFile ${certs.caFile}
TLSCertificateFile ${certs.certFile}
TLSCertificateKeyFile ${certs.keyFile}
# A DN with an empty password is an "unauthenticated bind" that succeeds: the hole Latch must avoid.
allow bind_anon_dn

database mdb
suffix "${SLAPD_BASE}"
rootdn "cn=admin,${SLAPD_BASE}"
rootpw admin-secret
directory ${dir}/db
maxsize 33554432
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
overlay memberof
`;
}

function uuidFor(dn: string): string {
  const h = createHash('sha256').update(dn.toLowerCase()).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Direct memberOf of every user and group DN, as the overlay would keep it. */
function memberOfIndex(): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const g of LDAP_GROUPS) {
    for (const m of g.members) {
      const [kind, name] = [m.slice(0, m.indexOf(':')), m.slice(m.indexOf(':') + 1)];
      const dn = kind === 'user' ? userDn(name) : groupDn(name);
      index.set(dn, [...(index.get(dn) ?? []), groupDn(g.cn)]);
    }
  }
  return index;
}

/**
 * Latch's `directory` config for this slapd over ldaps://, bound as the service account (its
 * password in SLAPD_SVC_PW, set here), users under ou=people; `ldap` adds or replaces settings.
 */
export function slapdDirectory(slapd: Slapd, accountCheckCache: string, ldap: Record<string, unknown> = {}) {
  process.env.SLAPD_SVC_PW = SLAPD_SERVICE.password;
  return {
    type: 'ldap',
    accountCheckCache,
    ldap: {
      flavor: 'ldap',
      urls: [slapd.ldapsUrl],
      tls: { caFile: slapd.certs.caFile },
      bind: { dn: SLAPD_SERVICE.dn, passwordEnv: 'SLAPD_SVC_PW' },
      baseDns: [`ou=people,${SLAPD_BASE}`],
      loginAttributes: ['uid'],
      ...ldap,
    },
  };
}

export const BULK_PASSWORD = 'bulk-pw-1';
export const bulkUid = (i: number) => `bulk${String(i).padStart(4, '0')}`;

function dataLdif(bulkUsers: number): string {
  const memberOf = memberOfIndex();
  const entries: [string, [string, string][]][] = [
    [
      SLAPD_BASE,
      [
        ['objectClass', 'dcObject'],
        ['objectClass', 'organization'],
        ['dc', 'example'],
        ['o', 'Example'],
      ],
    ],
    [
      `ou=people,${SLAPD_BASE}`,
      [
        ['objectClass', 'organizationalUnit'],
        ['ou', 'people'],
      ],
    ],
    [
      `ou=groups,${SLAPD_BASE}`,
      [
        ['objectClass', 'organizationalUnit'],
        ['ou', 'groups'],
      ],
    ],
    [
      `ou=services,${SLAPD_BASE}`,
      [
        ['objectClass', 'organizationalUnit'],
        ['ou', 'services'],
      ],
    ],
    [
      SLAPD_SERVICE.dn,
      [
        ['objectClass', 'person'],
        ['cn', 'latch'],
        ['sn', 'latch'],
        ['userPassword', SLAPD_SERVICE.password],
      ],
    ],
  ];
  for (const u of Object.values(LDAP_USERS) as LdapUser[]) {
    const attrs: [string, string][] = [
      ['objectClass', 'inetOrgPerson'],
      ['uid', u.uid],
      ['cn', u.cn],
      ['sn', u.cn],
      ['userPassword', u.password],
    ];
    if (u.mail) attrs.push(['mail', u.mail]);
    if (u.displayName) attrs.push(['displayName', u.displayName]);
    entries.push([userDn(u.uid), attrs]);
  }
  for (let i = 0; i < bulkUsers; i++) {
    const uid = bulkUid(i);
    entries.push([
      userDn(uid),
      [
        ['objectClass', 'inetOrgPerson'],
        ['uid', uid],
        ['cn', `Bulk ${i}`],
        ['sn', 'Bulk'],
        ['mail', `${uid}@example.org`],
        ['userPassword', BULK_PASSWORD],
      ],
    ]);
  }
  for (const g of LDAP_GROUPS) {
    const members = g.members.map((m) => (m.startsWith('user:') ? userDn(m.slice(5)) : groupDn(m.slice(6))));
    entries.push([
      groupDn(g.cn),
      [['objectClass', 'groupOfNames'], ['cn', g.cn], ...members.map((m): [string, string] => ['member', m])],
    ]);
  }
  return (
    entries
      .map(([dn, attrs]) => {
        const all: [string, string][] = [
          ...attrs,
          ['entryUUID', uuidFor(dn)],
          ...(memberOf.get(dn) ?? []).map((g): [string, string] => ['memberOf', g]),
        ];
        return [line('dn', dn), ...all.map(([k, v]) => line(k, v))].join('\n');
      })
      .join('\n\n') + '\n'
  );
}

/** One LDIF line; values that are not plain ASCII go base64. */
function line(attr: string, value: string): string {
  const safe =
    /^[\x01-\x09\x0b\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b\x0c\x0e-\x7f]*$/.test(value) &&
    !value.endsWith(' ');
  return safe ? `${attr}: ${value}` : `${attr}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
}
