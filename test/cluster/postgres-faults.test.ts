import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'mocha';
import { openStore } from '../../src/store/index.ts';
import { startCluster, type Cluster } from '../support/cluster.ts';
import { note } from '../support/note.ts';
import { startPostgres, startReplica, type PostgresServer } from '../support/postgres-server.ts';
import { LoadGenerator } from './load.ts';
import { currentFingerprints, metadataCertificates, summary, watchReadiness, type FaultWindow } from './observe.ts';
import * as scenario from './scenario.ts';

// Three Latch nodes behind HAProxy on PostgreSQL (a primary with a synchronous streaming replica),
// under a bounded load of SAML, OIDC and passkey sign-ins and enrollments, while: a node is killed
// (SIGKILL) and started again with its clock 20 s behind (libfaketime; within the TOTP step and
// the SAML skew), the signing keys are rotated (`latch keys rotate`, no restart), and the primary
// is killed and its replica promoted (the nodes' store.postgres.url names both hosts).

describe('cluster on PostgreSQL: faults under load', function () {
  this.timeout(240_000);
  let primary: PostgresServer;
  let replica: PostgresServer;
  let cluster: Cluster;
  let storeConfig: Parameters<typeof openStore>[0];

  before(async () => {
    primary = await startPostgres({ synchronousStandby: true });
    replica = await startReplica(primary);
    const url = `postgres://latch@127.0.0.1:${primary.port},127.0.0.1:${replica.port}/latch`;
    const store = { type: 'postgres', postgres: { url, connectTimeout: '1s', poolSize: 5 } };
    storeConfig = {
      type: 'postgres',
      sqlite: {},
      redis: { keyPrefix: '' },
      postgres: { url, schema: 'latch', poolSize: 2, connectTimeout: 1000 },
    };
    cluster = await startCluster({ nodes: 3, store, users: scenario.USERS, config: scenario.NODE_CONFIG });
  });

  after(async () => {
    await cluster?.stop();
    await Promise.all([replica?.stop(), primary?.stop()]);
  });

  it('loses no acknowledged enrollment, accepts no one-time value twice, fails only what was in flight', async function () {
    const started = Date.now();
    const load = new LoadGenerator(cluster, [...scenario.FRESH_USERS]);
    await load.prepare(scenario.APP_USERS, scenario.PASSKEY_USERS, 10);
    const readiness = watchReadiness(cluster);
    const faults: FaultWindow[] = [];
    const [victim] = cluster.nodes.slice(1);
    const certificates = new Map<string, string[]>();
    const rotation = { at: 0, propagatedMs: 0, kids: [] as string[], idTokenKid: '' };
    let outage: FaultWindow = { what: 'database', from: 0, to: 0 };
    let restartedAt = 0;

    const timeline = (async () => {
      await sleep(3000);
      restartedAt = await scenario.killAndRestart(cluster, victim!, faults);
      await sleep(2000);

      for (const node of cluster.nodes) certificates.set(node.name, await metadataCertificates(node));
      const printed = await cluster.latch(['keys', 'rotate']);
      rotation.at = Date.now(); // the command has written the new keys and announced them
      rotation.kids = [...printed.matchAll(/: current (\S+),/g)].map((m) => m[1]!);
      const before = certificates.get('node1')!;
      rotation.propagatedMs = await scenario.within('every node signs with the new key', 10_000, async () => {
        const now = await currentFingerprints(cluster);
        return new Set(now).size === 1 && !before[0]!.includes(now[0]!) && now.length === 3;
      });
      rotation.idTokenKid = await load.oidcSignInNow();
      await sleep(2000);

      outage = { what: 'database primary killed, replica promoted', from: Date.now(), to: 0 };
      await primary.kill();
      await sleep(1000);
      await replica.promote();
      outage.to = Date.now() + (await scenario.allReadySince(cluster, readiness.samples, outage.from, 60_000));
      faults.push(outage);
    })();
    await load.run(3, 26_000);
    await timeline;
    await sleep(1000);
    await readiness.stop();
    scenario.printFailures(load, faults);

    note(
      this,
      `cluster on PostgreSQL: ${summary(load.outcomes)}; ${load.replays.length} replays refused; ` +
        `rotation seen by every node in ${rotation.propagatedMs} ms; database failover ${outage.to - outage.from} ms; ` +
        `${load.acknowledged.length} enrollments under load; test ${Math.round((Date.now() - started) / 1000)} s`,
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
      events: [
        { what: `${victim!.name} restarted`, at: restartedAt },
        { what: 'keys rotated', at: rotation.at },
      ],
    });
    assert.ok(rotation.propagatedMs < 5000, `rotation reached every node in ${rotation.propagatedMs} ms`);
    assert.ok(
      rotation.kids.includes(rotation.idTokenKid),
      `an ID token after the rotation is signed with a new key (${rotation.kids.join(', ')}), not ${rotation.idTokenKid}`,
    );
  });
});
