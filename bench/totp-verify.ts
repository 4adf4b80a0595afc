// TOTP verifications per second, as a sign-in does them: the user's credential index and record
// read from the store, the sealed secret opened (AES-256-GCM), the codes of the allowed time steps
// computed, and the single-use compare-and-set write of the accepted step. Every verification is
// a different user with a right code, so every one writes.
//
//   node --import tsx bench/totp-verify.ts [--users 2000] [--concurrency 1,8] [--store sqlite|redis]
//
// With --store redis a redis-server is started on a free port (it must be installed). Prints
// verifications/s, p50/p99 latency, and this process's CPU time per verification.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createPasscodes, type Passcodes } from '../src/methods/passcodes/passcodes.ts';
import { codeAt, findCounter, newSecret, timeStep } from '../src/methods/passcodes/otp.ts';
import type { Store } from '../src/store/contract.ts';
import { openStore } from '../src/store/index.ts';
import { startRedis } from '../test/support/redis-server.ts';
import { tempDir } from '../test/support/temp.ts';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '1,8' },
    store: { type: 'string', default: 'sqlite' },
  },
});
const users = Number(args.users);
const levels = args.concurrency.split(',').map(Number);
const settings = {
  issuer: 'Latch',
  totpSkew: 1,
  hotpLookAhead: 10,
  hotpResyncWindow: 200,
  throttle: { maxFailures: 5, window: 900_000 },
};

async function open(): Promise<{ store: Store; stop(): Promise<void> }> {
  const temp = tempDir('latch-bench-');
  if (args.store === 'redis') {
    const redis = await startRedis();
    const store = await openStore({ type: 'redis', sqlite: {}, redis: { url: redis.url, keyPrefix: 'bench:' } });
    return {
      store,
      stop: async () => {
        await store.close();
        await redis.stop();
        temp.cleanup();
      },
    };
  }
  const store = await openStore({
    type: 'sqlite',
    sqlite: { file: path.join(temp.dir, 'bench.sqlite') },
    redis: { keyPrefix: 'x:' },
  });
  return {
    store,
    stop: async () => {
      await store.close();
      temp.cleanup();
    },
  };
}

/** Enrolls `count` users (prefix-i) with an app each; returns their secrets. */
async function enroll(passcodes: Passcodes, prefix: string, count: number): Promise<string[]> {
  const step = timeStep(Date.now(), 30);
  const secrets: string[] = [];
  for (let i = 0; i < count; i++) {
    const secret = newSecret();
    await passcodes.credentials.addApp(`${prefix}-${i}`, `app-${prefix}-${i}`, secret, step - 5);
    secrets.push(secret);
  }
  return secrets;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function measure(passcodes: Passcodes, prefix: string, secrets: string[], concurrency: number): Promise<void> {
  // Codes are computed before timing: what is measured is Latch's side only.
  const codes = secrets.map((secret) => codeAt({ secret, algorithm: 'SHA1', digits: 6 }, timeStep(Date.now(), 30)));
  const latencies: number[] = [];
  let next = 0;
  let refused = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < codes.length) {
        const i = next++;
        const start = performance.now();
        const check = await passcodes.credentials.verify(`${prefix}-${i}`, codes[i]!);
        latencies.push(performance.now() - start);
        if (!check.ok) refused++;
      }
    }),
  );
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `${args.store}, concurrency ${String(concurrency).padStart(2)}: ${Math.round((codes.length / wallMs) * 1000)} verifications/s, ` +
      `p50 ${percentile(latencies, 0.5).toFixed(3)} ms, p99 ${percentile(latencies, 0.99).toFixed(3)} ms, ` +
      `${((cpuMs / codes.length) * 1000).toFixed(0)} µs CPU each (${Math.round((codes.length / cpuMs) * 1000)} per CPU-second), refused ${refused}`,
  );
}

const { store, stop } = await open();
try {
  const passcodes = createPasscodes(store, Buffer.alloc(32, 1), settings);
  // The computation alone, without the store: three codes (±1 step) per check.
  const secret = newSecret();
  const n = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++)
    findCounter({ secret, algorithm: 'SHA1', digits: 6 }, '000000', 1000 + i - 1, 1000 + i + 1);
  console.log(
    `code computation only (3 steps per check): ${Math.round((n / (performance.now() - t0)) * 1000)} checks/s`,
  );
  for (const [round, concurrency] of levels.entries()) {
    const secrets = await enroll(passcodes, `u${round}`, users);
    await measure(passcodes, `u${round}`, secrets, concurrency);
  }
} finally {
  await stop();
}
