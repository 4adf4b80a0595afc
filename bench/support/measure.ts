import { readdirSync, readFileSync } from 'node:fs';

// What the HTTP benchmarks share: run an operation on N concurrent workers, measure wall time,
// the Latch process's CPU time and per-operation latency, and print one table.

export interface Result {
  name: string;
  count: number;
  seconds: number;
  /** CPU time the Latch process tree used meanwhile (user + system, workers included). */
  cpuSeconds: number;
  latenciesMs: number[];
}

/** Runs `op` `count` times on `concurrency` workers; returns each call's latency in ms. */
export async function run(
  count: number,
  concurrency: number,
  op: (worker: number) => Promise<unknown>,
): Promise<number[]> {
  const latencies: number[] = [];
  let started = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
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

export async function measure(
  name: string,
  pid: number,
  count: number,
  concurrency: number,
  op: (worker: number) => Promise<unknown>,
): Promise<Result> {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const latenciesMs = await run(count, concurrency, op);
  return { name, count, seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuSeconds(pid) - cpu0, latenciesMs };
}

/**
 * User + system CPU time of a process and every process below it (server.workers, Apache's
 * children), from /proc in clock ticks of 1/100 s; children that already exited count through
 * their parent's cutime/cstime.
 */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const each of [pid, ...descendants(pid)]) {
    const fields = statFields(each);
    if (fields) ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return ticks / 100;
}

/** The fields of /proc/PID/stat after the command name; undefined when the process is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields) parentOf.set(Number(entry), Number(fields[1]));
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parentOf) if (ppid === parent) (found.push(child), walk(child));
  };
  walk(pid);
  return found;
}

export interface TimedRun {
  count: number;
  errors: number;
  wallSeconds: number;
  cpuSeconds: number;
  p50: number;
  p99: number;
}

/** Runs `once` on `concurrency` loops for `seconds`; CPU is that of `pid`'s process tree. */
export async function runFor(
  seconds: number,
  concurrency: number,
  pid: number,
  once: () => Promise<void>,
): Promise<TimedRun> {
  const latencies: number[] = [];
  let errors = 0;
  const cpuBefore = cpuSeconds(pid);
  const start = performance.now();
  const until = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        try {
          await once();
          latencies.push(performance.now() - t);
        } catch (err) {
          if (++errors === 1) console.error(err);
        }
      }
    }),
  );
  const wallSeconds = (performance.now() - start) / 1000;
  const p = (q: number) => (latencies.length > 0 ? percentile(latencies, q) : NaN);
  return {
    count: latencies.length,
    errors,
    wallSeconds,
    cpuSeconds: cpuSeconds(pid) - cpuBefore,
    p50: p(50),
    p99: p(99),
  };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Prints the results under a title; `what` names the first column ("operation", "sign-in"). */
export function report(title: string, what: string, results: Result[]): void {
  console.log(`\n${title}\n`);
  console.log(`${what.padEnd(28)}  count   per s   per Latch CPU-s   p50 ms   p99 ms`);
  for (const r of results) {
    const perCpu = r.cpuSeconds > 0 ? r.count / r.cpuSeconds : Infinity;
    console.log(
      `${r.name.padEnd(28)} ${String(r.count).padStart(6)} ${(r.count / r.seconds).toFixed(0).padStart(7)} ${perCpu.toFixed(0).padStart(17)} ${percentile(r.latenciesMs, 50).toFixed(1).padStart(8)} ${percentile(r.latenciesMs, 99).toFixed(1).padStart(8)}`,
    );
  }
}
