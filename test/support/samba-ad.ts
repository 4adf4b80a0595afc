import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { portInUse, startDaemon, waitFor, type Daemon } from './daemon.ts';

// A real Active Directory domain controller (Samba AD DC) on 127.0.0.1 for the tests, with state
// in a temp dir: provisioned (~3 s), users created offline in one Python process (~0.5 s), then
// `samba -i -M single` started in its own session. See /work/shared/recipes/samba-ad.md.
// Samba needs the fixed ports 389/636/3268/3269, so only one can run on the machine at a time:
// test files that start one wait for a lock that the running one holds until it stops.

const run = promisify(execFile);

export const REALM = 'EXAMPLE.TEST';
export const BASE_DN = 'DC=example,DC=test';
/** Samba's self-signed certificate names the DC, not 127.0.0.1: verify against this name. */
export const DC_NAME = 'DC1.example.test';
/** The domain administrator, for tests that change accounts while Latch runs. */
export const AD_ADMIN = { dn: `CN=Administrator,CN=Users,${BASE_DN}`, password: 'Adm1n!Passw0rd' };

export type AccountState =
  | 'normal'
  | 'disabled'
  | 'must-change'
  | 'password-expired'
  | 'account-expired'
  | 'logon-hours'
  | 'workstation'
  | 'lockable';

export interface AdUser {
  sam: string;
  cn: string;
  password: string;
  upn?: string;
  mail?: string;
  displayName?: string;
  state?: AccountState;
}

const PW = 'Passw0rd!state';

/** One user per case the tests cover; exported so tests name them instead of repeating strings. */
export const AD_USERS = {
  service: { sam: 'svc-latch', cn: 'svc-latch', password: 'Svc!Passw0rd-latch', upn: 'svc-latch@example.test' },
  alice: {
    sam: 'alice',
    cn: 'Alice Adams',
    password: 'Passw0rd!alice',
    upn: 'alice@example.test',
    mail: 'alice@example.test',
    displayName: 'Alice Adams',
  },
  bob: { sam: 'bob', cn: 'Bob Brown', password: 'Passw0rd!bob', upn: 'bob@example.test', mail: 'bob@example.test' },
  disabled: { sam: 'disabled.user', cn: 'Disabled User', password: PW, state: 'disabled' },
  mustChange: { sam: 'mustchange', cn: 'Must Change', password: PW, state: 'must-change' },
  passwordExpired: { sam: 'expiredpw', cn: 'Expired Password', password: PW, state: 'password-expired' },
  accountExpired: { sam: 'acctexpired', cn: 'Account Expired', password: PW, state: 'account-expired' },
  logonHours: { sam: 'nighthours', cn: 'Logon Hours', password: PW, state: 'logon-hours' },
  workstation: { sam: 'otherpc', cn: 'Other Workstation', password: PW, state: 'workstation' },
  lockable: { sam: 'locky', cn: 'Lockable User', password: PW, state: 'lockable' },
  // RFC 4514/4515 special characters in the CN, the UPN and the password.
  special: {
    sam: "o'brien&co",
    cn: 'Smith, John (QA) *+"<>;=\\ #',
    password: 'p*()\\,+"<>;= Pa$$w0rd',
    upn: 'weird*(x)\\,+"<>;=@example.test',
    mail: 'smith.john@example.test',
  },
  // Non-ASCII name and password.
  nonAscii: {
    sam: 'jürgen',
    cn: 'Jürgen Größe',
    password: 'Pässwörd€1ß',
    upn: 'jürgen@example.test',
    displayName: 'Jürgen Größe',
  },
  // Normal accounts that a test disables (userAccountControl) or expires (accountExpires) while they are signed in.
  leaver: { sam: 'leaver', cn: 'Leaving User', password: 'Passw0rd!leaver', upn: 'leaver@example.test' },
  contractor: {
    sam: 'contractor',
    cn: 'Contract Ending',
    password: 'Passw0rd!contractor',
    upn: 'contractor@example.test',
  },
  // Names that an unescaped "*" in the special user's UPN would also match.
  decoy: { sam: 'weirdo', cn: 'Decoy', password: 'Passw0rd!decoy', upn: 'weird-decoy@example.test' },
} satisfies Record<string, AdUser>;

/** alice ∈ GroupA ∈ GroupB ∈ GroupC, and directly in "R&D, Europe" (a name that needs escaping). */
export const AD_GROUPS = [
  { cn: 'GroupA', sam: 'GroupA', members: [AD_USERS.alice.cn] },
  { cn: 'GroupB', sam: 'GroupB', members: ['GroupA'] },
  { cn: 'GroupC', sam: 'GroupC', members: ['GroupB'] },
  { cn: 'R&D, Europe', sam: 'rnd-europe', members: [AD_USERS.alice.cn, AD_USERS.special.cn] },
];

export interface SambaAd {
  dir: string;
  ldapUrl: string;
  ldapsUrl: string;
  caFile: string;
  /** DN of each user and group by cn. */
  dns: Record<string, string>;
  daemon: Daemon;
  stop(): Promise<void>;
}

const LOCK = path.join(os.tmpdir(), 'latch-samba-ad.lock');

/** Whether a process with this pid still runs (a lock left by a killed test run is stale). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the machine-wide Samba lock (a file created exclusively, holding our pid), waiting up to 15 min. */
async function lockSamba(): Promise<() => void> {
  const until = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      return () => rmSync(LOCK, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(LOCK, 'utf8'));
      if (!holder || !alive(holder)) rmSync(LOCK, { force: true });
      else if (Date.now() > until) throw new Error(`waited 15 minutes for the Samba lock held by pid ${holder}`);
      else await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

export async function startSambaAd(): Promise<SambaAd> {
  if (process.getuid?.() !== 0) throw new Error('Samba AD DC needs root');
  const unlock = await lockSamba();
  try {
    return await startLocked(unlock);
  } catch (err) {
    unlock();
    throw err;
  }
}

async function startLocked(unlock: () => void): Promise<SambaAd> {
  // The last holder's Samba may still be letting go of its ports.
  const free = async () => !(await portInUse(389));
  await waitFor('port 389 to be free', free, 60_000).catch(() => {
    throw new Error('port 389 on 127.0.0.1 is taken: another LDAP server (or a leftover Samba) is running');
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'latch-samba-'));
  try {
    writeFileSync(path.join(dir, 'bootstrap.conf'), smbConf(dir, 'ldap'));
    await run('samba-tool', [
      'domain',
      'provision',
      '-s',
      path.join(dir, 'bootstrap.conf'),
      `--realm=${REALM}`,
      '--domain=EXAMPLE',
      '--server-role=dc',
      '--dns-backend=NONE',
      '--use-rfc2307',
      `--adminpass=${AD_ADMIN.password}`,
      `--targetdir=${dir}`,
      '--host-name=DC1',
    ]);
    const smbConfFile = path.join(dir, 'etc', 'smb.conf');
    writeFileSync(smbConfFile, smbConf(dir, 'ldap'));
    const dns = await createUsers(smbConfFile);
    const daemon = startDaemon('samba', ['-i', '-M', 'single', '-s', smbConfFile]);
    const caFile = path.join(dir, 'private', 'tls', 'ca.pem');
    await waitFor(
      'samba',
      () => (existsSync(caFile) ? tlsAnswers(636) : Promise.resolve(false)),
      30_000,
      daemon.exited,
    );
    return {
      dir,
      ldapUrl: 'ldap://127.0.0.1:389',
      ldapsUrl: 'ldaps://127.0.0.1:636',
      caFile,
      dns,
      daemon,
      async stop() {
        await daemon.stop();
        rmSync(dir, { recursive: true, force: true });
        unlock();
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Our own config on every start: provisioning copies the host's globals otherwise. */
function smbConf(dir: string, services: string): string {
  return `[global]
  netbios name = DC1
  workgroup = EXAMPLE
  realm = ${REALM}
  server role = active directory domain controller
  server services = ${services}
  interfaces = 127.0.0.1
  bind interfaces only = yes
  lock directory = ${dir}/lock
  state directory = ${dir}/state
  cache directory = ${dir}/cache
  private dir = ${dir}/private
  pid directory = ${dir}/pid
  binddns dir = ${dir}/bind-dns
  ncalrpc dir = ${dir}/ncalrpc
  log file = ${dir}/log.%m
  log level = 0
  idmap_ldb:use rfc2307 = yes
`;
}

async function createUsers(smbConfFile: string): Promise<Record<string, string>> {
  const script = fileURLToPath(new URL('./samba-ad-users.py', import.meta.url));
  const spec = JSON.stringify({ users: Object.values(AD_USERS), groups: AD_GROUPS });
  const child = execFile('/usr/bin/python3', [script, smbConfFile], { maxBuffer: 1 << 20 });
  child.stdin!.end(spec);
  let out = '';
  let errText = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (errText += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`creating AD users failed (${code}): ${errText.slice(-2000)}`);
  return (JSON.parse(out) as { dns: Record<string, string> }).dns;
}

function tlsAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
