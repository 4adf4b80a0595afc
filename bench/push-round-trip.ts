// Benchmark: push round trip — from the moment the phone sends its signed approval to the moment
// the waiting browser's long-poll (/login/push-wait) returns — with 1,000 pushes pending, each
// with its own device and a browser waiting on it. Once on one node (SQLite), once across two
// nodes sharing Redis (browsers wait on node A, phones answer on node B).
//
//   node --import tsx bench/push-round-trip.ts [--pending 1000] [--approvals 300] [--only sqlite|redis]
//
// Both Latch nodes run in this process (test/support/latch.ts, as in tests), so the figures
// include the load generator's own work; the approvals are sent one after another, each while
// all the other browsers keep waiting.

import { parseArgs } from 'node:util';
import { randomId, sha256 } from '../src/util/random.ts';
import { DeviceClient, ECDSA_P256, publicJwkOf } from '../src/authenticator/core/client.ts';
import { startTestLatch, type InProcessLatch } from '../test/support/latch.ts';
import { startRedis } from '../test/support/redis-server.ts';

const { values: args } = parseArgs({
  options: {
    pending: { type: 'string', default: '1000' },
    approvals: { type: 'string', default: '300' },
    only: { type: 'string' },
  },
});
const PENDING = Number(args.pending);
const APPROVALS = Math.min(Number(args.approvals), PENDING);
const CONFIG = {
  push: {
    requestLifetime: '10m',
    longPollTimeout: '10m',
    webPush: { enabled: false, subject: 'mailto:bench@localhost' },
  },
};

type Waiting = { device: DeviceClient; requestId: string; answer: Promise<number> };

async function setUp(browsersAt: InProcessLatch, phonesAt: InProcessLatch): Promise<Waiting[]> {
  const { push, transactions } = browsersAt.services;
  const waiting: Waiting[] = [];
  for (let i = 0; i < PENDING; i++) {
    const keys = (await crypto.subtle.generateKey(ECDSA_P256, false, ['sign', 'verify'])) as CryptoKeyPair;
    const { device } = await push.devices.register({
      userId: `user-${i}`,
      username: `user${i}`,
      displayName: `User ${i}`,
      publicKey: await publicJwkOf(keys.publicKey),
      name: 'bench',
      platform: 'cli',
    });
    const binding = randomId();
    const tx = await transactions.create(
      {
        app: { id: 'account', name: 'Latch account', protocol: 'account' },
        constraints: {},
        continuation: { returnPath: '/account/continue', data: null },
      },
      { bindHash: sha256(binding), stage: 'second-factor', login: `user${i}` },
    );
    const sent = await push.requests.send(device, {
      txId: tx.id,
      purpose: 'second-factor',
      app: 'Latch account',
      ip: '127.0.0.1',
      browser: 'bench',
      userVerificationRequired: false,
      withCode: false,
    });
    if (!sent.ok) throw new Error(`push refused: ${sent.reason}`);
    const loaded = (await transactions.load(tx.id))!;
    await transactions.save({ ...loaded.tx, stepData: { requestId: sent.request.id } }, loaded.version);
    // The browser starts waiting now and resolves with the time its long-poll returned.
    const answer = fetch(`${browsersAt.url}/login/push-wait?tx=${tx.id}`, {
      headers: { accept: 'application/json', cookie: `latch_flow=${binding}` },
    }).then(async (res) => {
      const body = (await res.json()) as { state: string };
      if (body.state !== 'approved') throw new Error(`browser saw ${body.state}`);
      return performance.now();
    });
    // Browsers left waiting when the node stops are cut off: that is not a failure of the run.
    answer.catch(() => undefined);
    waiting.push({
      device: new DeviceClient(phonesAt.url, device.id, keys.privateKey),
      requestId: sent.request.id,
      answer,
    });
  }
  // Let every long-poll reach the server and register its waiter.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return waiting;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(name: string, browsersAt: InProcessLatch, phonesAt: InProcessLatch): Promise<void> {
  const started = performance.now();
  const waiting = await setUp(browsersAt, phonesAt);
  process.stderr.write(
    `${name}: ${PENDING} pushes pending with browsers waiting (set up in ${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
  );
  const trips: number[] = [];
  for (const w of waiting.slice(0, APPROVALS)) {
    const sentAt = performance.now();
    const decided = await w.device.decide(w.requestId, 'approve', '', false);
    if (decided.state !== 'approved') throw new Error(decided.message);
    trips.push((await w.answer) - sentAt);
  }
  trips.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(34)} approvals ${String(trips.length).padStart(5)}   p50 ${percentile(trips, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(trips, 99).toFixed(1).padStart(6)} ms   max ${trips.at(-1)!.toFixed(1).padStart(6)} ms`,
  );
}

console.log(`Push round trip (approval sent -> waiting browser's request returns), ${PENDING} pending pushes`);
if (args.only !== 'redis') {
  const node = await startTestLatch({ config: CONFIG });
  try {
    await measure('one node, SQLite', node, node);
  } finally {
    await node.stop();
  }
}
if (args.only !== 'sqlite') {
  const redis = await startRedis();
  const store = { type: 'redis', redis: { url: redis.url, keyPrefix: `bench-${randomId(6)}:` } };
  const a = await startTestLatch({ config: { ...CONFIG, store } });
  const b = await startTestLatch({ config: { ...CONFIG, store } });
  try {
    await measure('two nodes, Redis (wait A, approve B)', a, b);
  } finally {
    await a.stop();
    await b.stop();
    await redis.stop();
  }
}
process.exit(0);
