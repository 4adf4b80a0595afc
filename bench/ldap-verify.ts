// Password verifications per second against a local Samba AD DC and slapd, which this script
// starts and stops itself. Each verification is what a sign-in does: find the user (search as the
// service account), resolve groups, bind as the user (on the user-bind pool).
//
//   node --import tsx bench/ldap-verify.ts [--pool 8] [--count 400] [--target both|slapd|samba]
//                                          [--concurrency 1,8,32]
//
// Prints verifications/s, p50/p99 latency, and where time goes: Latch's CPU (this process) and
// the directory server's CPU (from /proc) against wall time.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ldapConfig, type LdapConfigInput } from '../src/config/ldap.ts';
import { createLdapDirectory, type LdapDirectory } from '../src/ldap/index.ts';
import { silentLog } from '../src/ldap/log.ts';
import { portInUse } from '../test/support/daemon.ts';
import { AD_USERS, BASE_DN, DC_NAME, startSambaAd } from '../test/support/samba-ad.ts';
import { LDAP_USERS, SLAPD_BASE, SLAPD_SERVICE, startSlapd } from '../test/support/slapd.ts';

const { values: args } = parseArgs({
  options: {
    pool: { type: 'string', default: '8' },
    count: { type: 'string', default: '400' },
    target: { type: 'string', default: 'both' },
    concurrency: { type: 'string', default: '1,8,32' },
  },
});
const poolSize = Number(args.pool);
const count = Number(args.count);
const levels = args.concurrency.split(',').map(Number);
const TICK_MS = 10; // /proc stat clock ticks: USER_HZ is 100 on Linux

interface Target {
  name: string;
  serverPid: number;
  directory: LdapDirectory;
  login: string;
  password: string;
  stop(): Promise<void>;
}

function serverCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime + stime
}

function open(input: LdapConfigInput, env: NodeJS.ProcessEnv): LdapDirectory {
  return createLdapDirectory(ldapConfig.parse({ ...input, pool: { size: poolSize } }), silentLog, { env });
}

async function slapdTarget(): Promise<Target> {
  const slapd = await startSlapd();
  const directory = open(
    {
      flavor: 'ldap',
      urls: [slapd.ldapsUrl],
      tls: { caFile: slapd.certs.caFile },
      bind: { dn: SLAPD_SERVICE.dn, passwordEnv: 'P' },
      baseDns: [SLAPD_BASE],
    },
    { P: SLAPD_SERVICE.password },
  );
  return {
    name: 'slapd (ldaps)',
    serverPid: slapd.daemon.pid,
    directory,
    login: 'alice',
    password: LDAP_USERS.alice.password,
    stop: () => slapd.destroy(),
  };
}

async function sambaTarget(): Promise<Target | undefined> {
  if (process.getuid?.() !== 0 || (await portInUse(389))) {
    console.log('samba: skipped (needs root and a free port 389)');
    return undefined;
  }
  const dc = await startSambaAd();
  const directory = open(
    {
      flavor: 'ad',
      urls: [dc.ldapsUrl],
      tls: { caFile: dc.caFile, servername: DC_NAME },
      bind: { upn: AD_USERS.service.upn, passwordEnv: 'P' },
      baseDns: [BASE_DN],
    },
    { P: AD_USERS.service.password },
  );
  return {
    name: 'Samba AD (ldaps, -M single)',
    serverPid: dc.daemon.pid,
    directory,
    login: 'alice',
    password: AD_USERS.alice.password,
    stop: () => dc.stop(),
  };
}

async function measure(target: Target, concurrency: number, total: number) {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const cpu0 = process.cpuUsage();
  const server0 = serverCpuMs(target.serverPid);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const start = performance.now();
        const check = await target.directory.verifyPassword(target.login, target.password);
        latencies.push(performance.now() - start);
        if (!check.ok) failures++;
      }
    }),
  );
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((x, y) => x - y);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  return {
    concurrency,
    perSecond: Math.round((total / wall) * 1000),
    p50: pct(50).toFixed(1),
    p99: pct(99).toFixed(1),
    latchCpu: `${Math.round(((cpu.user + cpu.system) / 1000 / wall) * 100)}%`,
    latchCpuPerOp: `${((cpu.user + cpu.system) / 1000 / total).toFixed(2)} ms`,
    serverCpu: `${Math.round(((serverCpuMs(target.serverPid) - server0) / wall) * 100)}%`,
    failures,
  };
}

const targets: Target[] = [];
try {
  if (args.target !== 'samba') targets.push(await slapdTarget());
  if (args.target !== 'slapd') {
    const samba = await sambaTarget();
    if (samba) targets.push(samba);
  }
  console.log(`pool size ${poolSize}, ${count} verifications per level; CPU as a share of one core over wall time`);
  for (const target of targets) {
    await measure(target, Math.max(...levels), Math.min(count, 64)); // warm-up: fill both pools
    const rows = [];
    for (const c of levels) rows.push(await measure(target, c, count));
    console.log(`\n${target.name}`);
    console.table(rows);
  }
} finally {
  for (const target of targets) {
    await target.directory.close();
    await target.stop();
  }
}
