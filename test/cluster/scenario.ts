import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/contract.ts';
import { records } from '../../src/store/records.ts';
import type { Cluster, ClusterNode } from '../support/cluster.ts';
import type { TestUser } from '../support/latch.ts';
import { spMetadataXml } from '../support/sp-metadata.ts';
import * as flow from './flows.ts';
import { LoadGenerator, type Outcome } from './load.ts';
import {
  assertReadinessFollowedOutage,
  assertReadinessFollowedRestart,
  IN_FLIGHT_ON_KILLED_NODE,
  unexplainedFailures,
  summary,
  verifiesWithAny,
  type FaultWindow,
  type ReadySample,
} from './observe.ts';

// What both cluster tests (PostgreSQL, Redis) share: the users, the configuration of the nodes,
// and the checks made after the load and the faults.

export const APP_USERS = ['app1', 'app2', 'app3', 'app4'];
export const PASSKEY_USERS = ['key1', 'key2'];
export const FRESH_USERS = Array.from({ length: 30 }, (_, i) => `new${i + 1}`);

export const USERS: TestUser[] = [...APP_USERS, ...PASSKEY_USERS, ...FRESH_USERS].map((username) => ({
  username,
  password: flow.PASSWORD,
}));

export const NODE_CONFIG = {
  log: { level: 'warn' },
  policy: { default: { newUser: 'require-enrollment' } },
  // Replayed codes count as wrong codes; the load offers many on purpose.
  passcodes: { throttle: { maxFailures: 100_000, window: '15m' } },
  saml: {
    serviceProviders: { app: { metadataXml: spMetadataXml({ entityId: flow.SP_ENTITY_ID, acs: [flow.SP_ACS] }) } },
  },
  oidc: { clients: [{ ...flow.RP_CLIENT, client_name: 'Cluster RP', redirect_uris: [flow.RP_REDIRECT] }] },
};

/** Every enrollment the user was told succeeded is there: an app in the store, a passkey that signs in. */
export async function assertNoEnrollmentLost(load: LoadGenerator, cluster: Cluster, store: Store): Promise<void> {
  assert.ok(
    load.acknowledged.length >= 4,
    `enough enrollments under load to mean something: ${load.acknowledged.length}`,
  );
  for (const { kind, username } of load.acknowledged) {
    if (kind === 'app') {
      const ids = await records.passcodesOfUser.list(store, `id-${username}`);
      assert.equal(ids.length, 1, `${username}'s authenticator app is in the store`);
    } else {
      const user = load.passkeyUsers.find((u) => u.username === username)!;
      await flow.passkeySignIn(cluster.url, user);
    }
  }
}

export function assertNoReplayAccepted(load: LoadGenerator): void {
  const accepted = load.replays.filter((r) => r.accepted);
  assert.deepEqual(accepted, [], 'a one-time value was accepted twice');
  const kinds = new Set(load.replays.map((r) => r.kind));
  for (const kind of ['totp-code', 'bypass-code', 'webauthn-assertion', 'saml-request-id', 'oidc-code']) {
    assert.ok(kinds.has(kind), `replays of ${kind} were tried`);
  }
  assert.equal(new Set(load.replays.map((r) => r.node)).size, 3, 'on every node');
}

export function assertOnlyInFlightFailed(run: FaultRun, graceMs: number): void {
  const { load, faults } = run;
  const unexplained = unexplainedFailures(load.outcomes, faults, graceMs);
  assert.ok(
    unexplained.length === 0,
    `sign-ins failed outside the faults (${summary(load.outcomes)}):\n` +
      unexplained.map((failure) => explainFailure(run, failure)).join('\n'),
  );
  assert.ok(load.outcomes.filter((o) => o.ok).length >= 20, `enough sign-ins succeeded: ${summary(load.outcomes)}`);
}

/**
 * One failed sign-in with when it happened next to each fault and event, and what the nodes
 * logged (warnings and errors) while it was in flight: a CI log of a failure says what happened.
 */
function explainFailure(run: FaultRun, failure: Outcome): string {
  const marks = [
    ...run.faults.map((f) => ({ what: f.what, at: f.from })),
    ...run.events.map((e) => ({ what: e.what, at: e.at })),
  ];
  const when = marks.map((m) => `${m.what} ${failure.start - m.at} ms`).join('; ');
  const logged = run.cluster.nodes.flatMap((node) =>
    (node.latch?.logs() ?? [])
      .filter((l) => Number(l.time) >= failure.start - 50 && Number(l.time) <= failure.end + 50)
      .map((l) => `    ${node.name}: ${JSON.stringify(l).slice(0, 600)}`),
  );
  const took = failure.end - failure.start;
  return [`  ${failure.kind} ${failure.user} (${took} ms; ${when}): ${failure.error}`, ...logged].join('\n');
}

export function assertResponsesVerify(load: LoadGenerator, certificatesByNode: Map<string, string[]>): void {
  assert.ok(load.samlResponses.length >= 5, `SAML responses: ${load.samlResponses.length}`);
  for (const [node, certificates] of certificatesByNode) {
    const failing = load.samlResponses.filter((r) => !verifiesWithAny(r.xml, certificates));
    assert.equal(
      failing.length,
      0,
      `${failing.length} of ${load.samlResponses.length} SAML responses do not verify with ${node}'s metadata`,
    );
  }
}

/** Waits until `check` holds, polling; returns how long it took. */
export async function within(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check().catch(() => false))) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await sleep(100);
  }
  return Date.now() - started;
}

/** kill -9 of `victim`, then 2 s later the same node started again with its clock 20 s behind; returns when it was restarted. */
export async function killAndRestart(cluster: Cluster, victim: ClusterNode, faults: FaultWindow[]): Promise<number> {
  const killedAt = Date.now();
  await cluster.kill(victim);
  faults.push({ what: `kill -9 ${victim.name}`, from: killedAt, to: killedAt, expected: IN_FLIGHT_ON_KILLED_NODE });
  await sleep(2000);
  const restartedAt = Date.now();
  await cluster.start(victim, { clockOffset: '-20s' });
  return restartedAt;
}

/** Each failed sign-in with its distance to each fault, so a failing run says what happened when. */
export function printFailures(load: LoadGenerator, faults: FaultWindow[]): void {
  for (const failure of load.outcomes.filter((o) => !o.ok)) {
    const when = faults.map((f) => `${f.what} ${failure.start - f.from} ms`).join('; ');
    process.stdout.write(`  failed ${failure.kind} ${failure.user} (${when}): ${failure.error}\n`);
  }
}

export interface FaultRun {
  load: LoadGenerator;
  cluster: Cluster;
  storeConfig: Parameters<typeof openStore>[0];
  /** The node kill first, then the database outage. */
  faults: FaultWindow[];
  outage: FaultWindow;
  readiness: ReadySample[];
  victim: ClusterNode;
  restartedAt: number;
  certificates: Map<string, string[]>;
  /** What else happened during the load (a restart, a key rotation), to place failures in time. */
  events: { what: string; at: number }[];
}

/** What both fault tests assert once the load is over. */
export async function assertSurvivedFaults(run: FaultRun): Promise<void> {
  const store = await openStore(run.storeConfig);
  try {
    await assertNoEnrollmentLost(run.load, run.cluster, store);
  } finally {
    await store.close();
  }
  assertNoReplayAccepted(run.load);
  assertOnlyInFlightFailed(run, 2000);
  assertReadinessFollowedOutage(
    run.readiness,
    run.cluster.nodes.map((n) => n.name),
    run.outage,
  );
  assertReadinessFollowedRestart(run.readiness, run.victim.name, run.faults[0]!.from, run.restartedAt);
  assertResponsesVerify(run.load, run.certificates);
}

/** Waits until every node's latest /readyz (polled since `since`) is 200; a timeout says what each node answered last. */
export async function allReadySince(
  cluster: Cluster,
  samples: ReadySample[],
  since: number,
  timeoutMs: number,
): Promise<number> {
  const latest = () =>
    cluster.nodes.map((n) => ({
      node: n.name,
      sample: samples.filter((s) => s.node === n.name && s.time > since).at(-1),
    }));
  try {
    return await within('nodes ready on the promoted replica', timeoutMs, async () =>
      latest().every(({ sample }) => sample?.status === 200),
    );
  } catch (err) {
    const seen = latest().map(
      ({ node, sample }) =>
        `${node}: ${sample ? `${sample.status} ${sample.body.slice(0, 120)} ${Date.now() - sample.time} ms ago` : 'no answer'}`,
    );
    throw new Error(`${(err as Error).message}; last /readyz: ${seen.join('; ')}`);
  }
}
