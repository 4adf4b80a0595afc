import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'mocha';
import { openStore } from '../../src/store/index.ts';
import { startCluster, type Cluster } from '../support/cluster.ts';
import { note } from '../support/note.ts';
import { startRedis, startSentinel, type RedisServer } from '../support/redis-server.ts';
import { LoadGenerator } from './load.ts';
import { metadataCertificates, summary, watchReadiness, type FaultWindow } from './observe.ts';
import * as scenario from './scenario.ts';

// Three Latch nodes behind HAProxy on Redis with Sentinel (a primary, a replica, three sentinels,
// quorum 2), under the same bounded load as on PostgreSQL, while a node is killed and started again
// with its clock 20 s behind, and the Redis primary is killed so that Sentinel promotes the
// replica. Enrollments wait for the replica (WAIT), so the failover loses none.

const MASTER = 'latch';

describe('cluster on Redis with Sentinel: faults under load', function () {
  this.timeout(240_000);
  let primary: RedisServer;
  let replica: RedisServer;
  let sentinels: { port: number; stop(): Promise<void> }[] = [];
  let cluster: Cluster;
  let storeConfig: Parameters<typeof openStore>[0];

  before(async () => {
    primary = await startRedis();
    replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
    const options = { quorum: 2, downAfterMs: 1000, failoverTimeoutMs: 5000 };
    sentinels = await Promise.all([1, 2, 3].map(() => startSentinel(primary.port, MASTER, options)));
    const redis = {
      sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
      name: MASTER,
      keyPrefix: 'latch:',
      replicaTimeout: '2s',
    };
    storeConfig = { type: 'redis', sqlite: {}, redis: { ...redis, replicaTimeout: 2000 } };
    cluster = await startCluster({
      nodes: 3,
      store: { type: 'redis', redis },
      users: scenario.USERS,
      config: scenario.NODE_CONFIG,
    });
  });

  after(async () => {
    await cluster?.stop();
    await Promise.all(sentinels.map((s) => s.stop()));
    await Promise.all([replica?.stop(), primary?.stop()]);
  });

  it('loses no acknowledged enrollment, accepts no one-time value twice, fails only what was in flight', async function () {
    const started = Date.now();
    const load = new LoadGenerator(cluster, [...scenario.FRESH_USERS]);
    await load.prepare(scenario.APP_USERS, scenario.PASSKEY_USERS, 10);
    const certificates = new Map<string, string[]>();
    for (const node of cluster.nodes) certificates.set(node.name, await metadataCertificates(node));
    const readiness = watchReadiness(cluster);
    const faults: FaultWindow[] = [];
    const [victim] = cluster.nodes.slice(1);
    let outage: FaultWindow = { what: 'redis primary killed', from: 0, to: 0 };
    let restartedAt = 0;

    const timeline = (async () => {
      await sleep(3000);
      restartedAt = await scenario.killAndRestart(cluster, victim!, faults);
      await sleep(3000);

      outage = { what: 'redis primary killed, Sentinel promotes the replica', from: Date.now(), to: 0 };
      await primary.kill();
      outage.to = Date.now() + (await scenario.allReadySince(cluster, readiness.samples, outage.from + 1000, 60_000));
      faults.push(outage);
    })();
    await load.run(3, 22_000);
    await timeline;
    await sleep(1000);
    await readiness.stop();
    scenario.printFailures(load, faults);

    note(
      this,
      `cluster on Redis: ${summary(load.outcomes)}; ${load.replays.length} replays refused; ` +
        `Sentinel failover until every node is ready ${outage.to - outage.from} ms; ${load.acknowledged.length} enrollments under load; ` +
        `test ${Math.round((Date.now() - started) / 1000)} s`,
    );

    await scenario.assertSurvivedFaults({
      load,
      cluster,
      storeConfig,
      faults,
      outage,
      readiness: readiness.samples,
      victim: victim!,
      restartedAt,
      certificates,
      events: [{ what: `${victim!.name} restarted`, at: restartedAt }],
    });
  });
});
