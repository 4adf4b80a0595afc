// Benchmark: passwordless sign-ins with a passkey, over HTTP against a Latch process, with a
// software authenticator (real ES256 signatures, so Latch verifies real assertions). One sign-in
// is the whole thing a browser does: start at the account app, type the username, answer the
// passkey page, follow the redirects to the signed-in page (6 requests); and the same from
// autofill on the first page (no username, 4 requests). Latch's CPU time is read from /proc.
//
//   node --import tsx bench/webauthn-passwordless.ts [--signins 400] [--concurrency 8]
//
// Prints sign-ins per second, per Latch CPU-second, and p50/p99 latency.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../test/support/free-port.ts';
import { HttpClient } from '../test/support/http-client.ts';
import { REPO_ROOT, addUser, latchEnv, tempDir } from '../test/support/latch-process.ts';
import { pageOptions, type SoftAuthenticator } from '../test/support/soft-authenticator.ts';
import { PASSWORD } from '../test/webauthn/browser-steps.ts';
import { enrollKeyAndPasskey, heading } from '../test/webauthn/http-steps.ts';

const { values: args } = parseArgs({ options: { signins: { type: 'string', default: '400' }, concurrency: { type: 'string', default: '8' } } });
const SIGNINS = Number(args.signins);
const CONCURRENCY = Number(args.concurrency);

interface Result {
  name: string;
  count: number;
  seconds: number;
  cpuSeconds: number;
  latenciesMs: number[];
}

async function main(): Promise<void> {
  const port = await freePort();
  const base = `http://localhost:${port}`;
  const env = latchEnv({
    dataDir: tempDir('latch-bench-'),
    port,
    env: { LATCH_LOG_LEVEL: 'warn', LATCH_BASE_URL: base },
    config: { policy: { default: { newUser: 'require-enrollment' } }, signIn: { failureDelay: '1ms' } },
  });
  // One user per worker, so each passkey's sign counter only moves forward.
  const users = Array.from({ length: CONCURRENCY }, (_, i) => `bench${i}`);
  for (const name of users) await addUser(env, name, { password: PASSWORD });
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'latch.js'), 'serve'], { env, cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitForHealth(base);
    const devices = await Promise.all(users.map(async (name) => (await enrollKeyAndPasskey(base, name)).device));
    const byUsername = (worker: number) => signInByUsername(base, users[worker]!, devices[worker]!);
    const byAutofill = (worker: number) => signInFromAutofill(base, users[worker]!, devices[worker]!);
    await run(Math.min(50, SIGNINS), byUsername); // warm-up
    const results = [
      await measure('passkey after username', child.pid!, SIGNINS, byUsername),
      await measure('passkey from autofill', child.pid!, SIGNINS, byAutofill),
    ];
    report(results);
  } finally {
    child.kill('SIGTERM');
  }
}

async function signInByUsername(base: string, username: string, device: SoftAuthenticator): Promise<void> {
  const browser = new HttpClient(base);
  const page = await browser.submit(await browser.startSignIn(), { username });
  const done = await browser.submit(page, { webauthn_response: JSON.stringify(device.assert(pageOptions(page.text))) });
  if (heading(done) !== `Signed in as ${username}`) throw new Error(`sign-in failed: ${done.text.slice(0, 500)}`);
}

async function signInFromAutofill(base: string, username: string, device: SoftAuthenticator): Promise<void> {
  const browser = new HttpClient(base);
  const first = await browser.startSignIn();
  const done = await browser.submit(first, { passkey_response: JSON.stringify(device.assert(pageOptions(first.text))) });
  if (heading(done) !== `Signed in as ${username}`) throw new Error(`sign-in failed: ${done.text.slice(0, 500)}`);
}

async function run(count: number, op: (worker: number) => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  let started = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      while (started < count) {
        started++;
        const t0 = performance.now();
        await op(worker);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return latencies;
}

async function measure(name: string, pid: number, count: number, op: (worker: number) => Promise<unknown>): Promise<Result> {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const latenciesMs = await run(count, op);
  return { name, count, seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuSeconds(pid) - cpu0, latenciesMs };
}

/** User + system CPU time of a process, from /proc (clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function report(results: Result[]): void {
  console.log(`\nLatch passwordless benchmark: concurrency ${CONCURRENCY}, SQLite store, one Latch process, ES256 passkeys\n`);
  console.log('sign-in                       count   per s   per Latch CPU-s   p50 ms   p99 ms');
  for (const r of results) {
    const perCpu = r.cpuSeconds > 0 ? r.count / r.cpuSeconds : Infinity;
    console.log(
      `${r.name.padEnd(28)} ${String(r.count).padStart(6)} ${(r.count / r.seconds).toFixed(0).padStart(7)} ${perCpu.toFixed(0).padStart(17)} ${percentile(r.latenciesMs, 50).toFixed(1).padStart(8)} ${percentile(r.latenciesMs, 99).toFixed(1).padStart(8)}`,
    );
  }
}

async function waitForHealth(base: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('Latch did not start');
}

await main();
