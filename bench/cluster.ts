// Benchmark of a Latch cluster (issue 14), as docs/cluster.md sets one up: HAProxy in front of
// 1, 2 and 3 `latch serve` nodes (from dist/: `npm run build` first) on PostgreSQL (a primary with
// a synchronous streaming replica) and on Redis (a primary, a replica, three Sentinels).
//   (a) full SP-initiated SAML sign-ins with a password (new browser each), through HAProxy:
//       per second, and per CPU-second of all Latch processes together (HAProxy and the database
//       not counted). Three nodes can only beat one by the number of free cores: on a 2-core
//       machine, the per-CPU-second figure is the one to compare.
//   (b) with 3 nodes: kill -9 of one node, then of the database primary (PostgreSQL: its replica
//       promoted at once, as a failover tool would; Redis: Sentinel, down-after 1 s): the time
//       from the kill to the end of the first sign-in that started after it and succeeded.
//
//   node --import tsx bench/cluster.ts [seconds per measurement, default 8] [concurrency, default 6]
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { deflateRawSync } from 'node:zlib';
import { startCluster, type Cluster } from '../test/support/cluster.ts';
import { HttpClient, type Page } from '../test/support/http-client.ts';
import { startPostgres, startReplica } from '../test/support/postgres-server.ts';
import { startRedis, startSentinel } from '../test/support/redis-server.ts';
import { spMetadataXml } from '../test/support/sp-metadata.ts';
import { samlAnswer } from '../test/support/sso-client.ts';
import { cpuSeconds, report, run, type Result } from './support/measure.ts';

const seconds = Number(process.argv[2] ?? 8);
const concurrency = Number(process.argv[3] ?? 6);
const PASSWORD = 'bench-password-1';
const SP = 'https://app.bench.test/sp';
const ACS = 'https://app.bench.test/acs';
const USERS = Array.from({ length: 12 }, (_, i) => ({ username: `bench${i + 1}`, password: PASSWORD }));
const NODE_CONFIG = {
  log: { level: 'error' },
  throttle: { perAccount: { maxFailures: 1_000_000, window: '1m' }, perIp: { maxFailures: 1_000_000, window: '1m' } },
  saml: { serviceProviders: { app: { metadataXml: spMetadataXml({ entityId: SP, acs: [ACS] }) } } },
};

interface Backend {
  name: string;
  /** store.* for a cluster whose records are apart from the other runs' (a new master key each). */
  store(run: number): Record<string, unknown>;
  /** Kills the primary and lets the replica take over. */
  failover(): Promise<void>;
  stop(): Promise<void>;
}

/** One SP-initiated SAML sign-in with a password, in a new browser; throws unless the SP gets a Success. */
async function signIn(base: string, username: string): Promise<void> {
  const browser = new HttpClient(base);
  const request =
    `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ` +
    `ID="_${randomBytes(12).toString('hex')}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${base}/saml2/idp/sso">` +
    `<saml:Issuer>${SP}</saml:Issuer></samlp:AuthnRequest>`;
  const prompt = await browser.get(
    `/saml2/idp/sso?SAMLRequest=${encodeURIComponent(deflateRawSync(request).toString('base64'))}`,
  );
  const done: Page = await browser.submit(await browser.passwordPage(username, prompt), { password: PASSWORD });
  const answer = samlAnswer(done);
  if (answer?.action !== ACS || !/status:Success/.test(answer.xml))
    throw new Error(`no SAML Response: ${done.status} ${done.path}`);
}

const latchCpu = (cluster: Cluster) =>
  cluster.nodes.reduce((sum, node) => sum + (node.latch ? cpuSeconds(node.latch.pid) : 0), 0);

async function throughput(cluster: Cluster, name: string): Promise<Result> {
  let next = 0;
  const user = () => USERS[next++ % USERS.length]!.username;
  await run(concurrency * 2, concurrency, () => signIn(cluster.url, user())); // warm-up
  const cpu0 = latchCpu(cluster);
  const t0 = performance.now();
  const latenciesMs: number[] = [];
  const until = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        await signIn(cluster.url, user());
        latenciesMs.push(performance.now() - started);
      }
    }),
  );
  return {
    name,
    count: latenciesMs.length,
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: latchCpu(cluster) - cpu0,
    latenciesMs,
  };
}

/** Runs `fault`, meanwhile starting sign-ins one after another on 2 workers; ms from the fault to the first success that started after it. */
async function recovery(cluster: Cluster, fault: () => Promise<void>): Promise<{ ms: number; failed: number }> {
  let done = false;
  let failed = 0;
  let firstOk = Infinity;
  const at = performance.now();
  const faultDone = fault();
  await Promise.all(
    [0, 1].map(async (worker) => {
      for (let i = 0; !done && performance.now() - at < 90_000; i++) {
        const started = performance.now();
        const ok = await signIn(cluster.url, USERS[(worker * 6 + i) % USERS.length]!.username).then(
          () => true,
          () => false,
        );
        if (ok && started >= at) {
          firstOk = Math.min(firstOk, performance.now() - at);
          done = true;
        } else if (!ok) {
          failed++;
          await sleep(50);
        }
      }
    }),
  );
  await faultDone;
  return { ms: firstOk, failed };
}

async function postgresBackend(): Promise<Backend> {
  const primary = await startPostgres({ synchronousStandby: true });
  const replica = await startReplica(primary);
  const url = `postgres://latch@127.0.0.1:${primary.port},127.0.0.1:${replica.port}/latch`;
  return {
    name: 'PostgreSQL',
    store: (n) => ({ type: 'postgres', postgres: { url, schema: `bench${n}`, connectTimeout: '1s' } }),
    async failover() {
      await primary.kill();
      await replica.promote();
    },
    async stop() {
      await Promise.all([replica.stop(), primary.stop()]);
    },
  };
}

async function redisBackend(): Promise<Backend> {
  const primary = await startRedis();
  const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
  const sentinels = await Promise.all(
    [1, 2, 3].map(() =>
      startSentinel(primary.port, 'latch', { quorum: 2, downAfterMs: 1000, failoverTimeoutMs: 5000 }),
    ),
  );
  const redis = {
    sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
    name: 'latch',
    replicaTimeout: '2s',
  };
  return {
    name: 'Redis',
    store: (n) => ({ type: 'redis', redis: { ...redis, keyPrefix: `bench${n}:` } }),
    failover: () => primary.kill(),
    async stop() {
      await Promise.all(sentinels.map((s) => s.stop()));
      await Promise.all([replica.stop(), primary.stop()]);
    },
  };
}

async function bench(backend: Backend): Promise<void> {
  const results: Result[] = [];
  let cluster: Cluster | undefined;
  for (const nodes of [1, 2, 3]) {
    cluster = await startCluster({ nodes, store: backend.store(nodes), users: USERS, config: NODE_CONFIG });
    results.push(await throughput(cluster, `${nodes} node${nodes > 1 ? 's' : ''}`));
    if (nodes < 3) await cluster.stop();
  }
  report(
    `SAML sign-ins with a password through HAProxy on ${backend.name} (${seconds} s each, ${concurrency} at a time)`,
    'nodes',
    results,
  );
  const one = results[0]!;
  for (const r of results.slice(1)) {
    const ratio = r.count / r.seconds / (one.count / one.seconds);
    const perCpu = r.count / r.cpuSeconds / (one.count / one.cpuSeconds);
    console.log(`${r.name}: ${ratio.toFixed(2)}× one node's sign-ins per second; ${perCpu.toFixed(2)}× per CPU-second`);
  }
  const node = await recovery(cluster!, () => cluster!.kill(cluster!.nodes[1]!));
  const database = await recovery(cluster!, () => backend.failover());
  const line = (what: string, r: { ms: number; failed: number }) =>
    `kill -9 of ${what}: first sign-in after it succeeded ${r.ms.toFixed(0)} ms later (${r.failed} sign-ins failed meanwhile)`;
  console.log(line('one node', node));
  console.log(line(`the ${backend.name} primary`, database));
  await cluster!.stop();
}

console.log(`${os.cpus().length} cores; Node ${process.version}`);
for (const make of [postgresBackend, redisBackend]) {
  const backend = await make();
  try {
    await bench(backend);
  } finally {
    await backend.stop();
  }
}
process.exit(0);
