import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, ClusterNode } from '../support/cluster.ts';
import { xmlsecVerify } from '../support/xmlsec.ts';
import type { Outcome } from './load.ts';

// What the cluster tests watch while the load runs (each node's /readyz, its SAML metadata) and
// the checks they make of it afterwards.

export interface ReadySample {
  node: string;
  time: number;
  /** HTTP status, or 0 when the node did not answer at all. */
  status: number;
  body: string;
}

/** Polls every node's /readyz directly (not through HAProxy) until stopped. */
export function watchReadiness(cluster: Cluster, everyMs = 250): { samples: ReadySample[]; stop(): Promise<void> } {
  const samples: ReadySample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(
        cluster.nodes.map(async (node) => {
          const time = Date.now();
          try {
            const res = await fetch(`${node.url}/readyz`, { signal: AbortSignal.timeout(5000) });
            samples.push({ node: node.name, time, status: res.status, body: await res.text() });
          } catch {
            samples.push({ node: node.name, time, status: 0, body: '' });
          }
        }),
      );
      await sleep(everyMs);
    }
  })();
  return {
    samples,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** The signing certificates a node publishes in its SAML metadata (current and next). */
export async function metadataCertificates(node: ClusterNode): Promise<string[]> {
  const xml = await (await fetch(`${node.url}/saml2/idp/metadata`)).text();
  return [...xml.matchAll(/<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/g)].map(
    (m) => `-----BEGIN CERTIFICATE-----\n${m[1]!.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`,
  );
}

/** The current signing certificate's fingerprint at each live node. */
export async function currentFingerprints(cluster: Cluster): Promise<string[]> {
  return Promise.all(
    cluster.nodes
      .filter((n) => n.latch)
      .map(async (node) => {
        const pem = await (await fetch(`${node.url}/saml2/idp/certificate`)).text();
        return new X509Certificate(pem).fingerprint256;
      }),
  );
}

/** True when the Response's signature (on the Assertion, or else the Response) verifies with one of `certificates`. */
export function verifiesWithAny(xml: string, certificates: string[]): boolean {
  return certificates.some((pem) =>
    ['Assertion', 'Response'].some((element) => {
      try {
        xmlsecVerify(xml, pem, element);
        return true;
      } catch {
        return false;
      }
    }),
  );
}

export interface FaultWindow {
  what: string;
  from: number;
  to: number;
  /** What a sign-in in flight may have seen: e.g. HAProxy's 502 when its node died mid-request. */
  expected?: RegExp;
}

/**
 * What a request in flight on a node that was killed gets: HAProxy's 502 (or a reset connection);
 * or, when the node died while it checked a password, the check lock of that sign-in is held until
 * its TTL, and the POST that HAProxy re-sent to another node waits for it, then says so; or, when
 * the node died after it consumed a one-time value (a passkey challenge, a passcode) but before it
 * answered, the re-sent POST offers that value again and is refused as a replay, as it must be.
 */
export const IN_FLIGHT_ON_KILLED_NODE = new RegExp(
  [
    String.raw`\bat 50[234] `,
    'fetch failed|ECONNRESET|other side closed',
    'still being checked',
    // The user-facing refusals of a one-time value offered again: passkey, passcode, bypass code, registration.
    'No passkey was accepted|already used|used up|This page has expired',
  ].join('|'),
);

/**
 * Sign-ins that failed although they were not in flight during a fault: a node's kill (the
 * instant), or the database's outage (from the kill of its primary to the recovery, plus `graceMs`
 * for HAProxy's health checks to see the nodes ready again).
 */
export function unexplainedFailures(outcomes: Outcome[], faults: FaultWindow[], graceMs: number): Outcome[] {
  return outcomes.filter(
    (o) =>
      !o.ok &&
      !faults.some(
        (f) => o.start <= f.to + graceMs && o.end >= f.from && (!f.expected || f.expected.test(o.error ?? '')),
      ),
  );
}

/** Asserts that each node reported the outage (503 naming the store) within the window and 200 after it. */
export function assertReadinessFollowedOutage(samples: ReadySample[], nodes: string[], outage: FaultWindow): void {
  for (const node of nodes) {
    const during = samples.filter((s) => s.node === node && s.time >= outage.from && s.time <= outage.to);
    assert.ok(
      during.some((s) => s.status === 503 && /"store":"unavailable"/.test(s.body)),
      `${node} reported the store outage on /readyz: ${JSON.stringify(during.map((s) => s.status))}`,
    );
    const last = samples.filter((s) => s.node === node).at(-1);
    assert.equal(last?.status, 200, `${node} is ready again: ${last?.body}`);
  }
}

/** Asserts a killed node was seen gone, then ready again after its restart. */
export function assertReadinessFollowedRestart(
  samples: ReadySample[],
  node: string,
  killedAt: number,
  restartedAt: number,
): void {
  const mine = samples.filter((s) => s.node === node);
  assert.ok(
    mine.some((s) => s.time > killedAt && s.time < restartedAt && s.status === 0),
    `${node} was seen gone after the kill`,
  );
  assert.ok(
    mine.some((s) => s.time > restartedAt && s.status === 200),
    `${node} was ready after its restart`,
  );
}

export function summary(outcomes: Outcome[]): string {
  const byKind = new Map<string, { ok: number; failed: number }>();
  for (const o of outcomes) {
    const entry = byKind.get(o.kind) ?? { ok: 0, failed: 0 };
    if (o.ok) entry.ok++;
    else entry.failed++;
    byKind.set(o.kind, entry);
  }
  return [...byKind].map(([kind, { ok, failed }]) => `${kind} ${ok} ok/${failed} failed`).join(', ');
}
