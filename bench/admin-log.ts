// The authentication log in the operators' console with 1,000,000 entries in SQLite: how long
// the first page takes (what the console's log page and GET /admin/api/v1/auth-log wait for),
// with and without filters, and how fast a whole-log export streams as CSV and JSON, with the
// server's peak RSS above idle while it does (the export must stream, not load the log).
//
//   npm run build && node --import tsx bench/admin-log.ts [--entries 1000000] [--exports csv,json] [--store sqlite|redis] [--heap 4/512]
//
// Latch runs as `latch serve` from dist/ (its own process, so its RSS is its own); the log is
// written straight into the SQLite file first, spread over the last 30 days. `--heap YOUNG/MAX`
// sets server.heap (V8's limits, MB; unset, Node's own), which `latch serve` applies itself; V8
// flags in LATCH_NODE_OPTIONS are passed to Latch as NODE_OPTIONS.
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AdminTokens } from '../src/admin/tokens.ts';
import { openStore } from '../src/store/index.ts';
import { startTestLatch } from '../test/support/latch.ts';
import { startRedis, type RedisServer } from '../test/support/redis-server.ts';

const { values: args } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    exports: { type: 'string', default: 'csv,json' },
    store: { type: 'string', default: 'sqlite' },
    heap: { type: 'string' },
  },
});
const heapLimits = /^(\d+)\/(\d+)$/.exec(args.heap ?? '');
if (args.heap !== undefined && !heapLimits)
  throw new Error(`--heap ${args.heap}: expected YOUNG/MAX in MB, e.g. 4/512`);
const heap = heapLimits ? { server: { heap: { youngMb: Number(heapLimits[1]), maxMb: Number(heapLimits[2]) } } } : {};
const total = Number(args.entries);
const DAY = 86_400_000;
const USERS = 5000;

/** Resident memory of the process, MB: all of it (VmRSS), or its anonymous part (heap, not file pages). */
function rssMb(pid: number, field: 'VmRSS' | 'RssAnon' = 'VmRSS'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`))!;
  return Number(/(\d+)/.exec(line)![1]) / 1024;
}

/** Entry i of the log: when, and what (one user in USERS, one failure in ten, a rare user). */
function entry(i: number, now: number): { time: number; data: string } {
  const time = now - 30 * DAY + Math.floor((i * 30 * DAY) / total);
  const ok = i % 10 !== 0;
  return {
    time,
    data: JSON.stringify({
      event: 'sign-in',
      result: ok ? 'success' : 'failure',
      reason: ok ? 'password and passcode (Authenticator app)' : 'wrong password',
      user: i % 100_000 === 7 ? 'rare' : `user${i % USERS}`,
      userId: `id-${i % USERS}`,
      app: `https://app${i % 20}.example.com/metadata`,
      ip: `10.0.${(i >> 8) & 255}.${i & 255}`,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0',
      methods: ['password', 'passcode'],
      level: 'mfa',
      authenticators: [{ method: 'passcodes', id: 'app-1', name: 'Authenticator app' }],
    }),
  };
}

function fillSqlite(file: string, now: number): void {
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  const insert = db.prepare('INSERT INTO events (stream, time, data) VALUES (?, ?, ?)');
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const { time, data } = entry(i, now);
      insert.run('authlog', time, data);
    }
  });
  for (let from = 0; from < total; from += 50_000) batch(from, Math.min(total, from + 50_000));
  db.close();
}

/** The stream as Latch's Redis store keeps it: ids "<ms>-<seq>", the entry in field "d". */
async function fillRedis(url: string, key: string, now: number): Promise<void> {
  const client = new Redis(url);
  for (let from = 0; from < total; from += 10_000) {
    const pipeline = client.pipeline();
    for (let i = from; i < Math.min(total, from + 10_000); i++) {
      const { time, data } = entry(i, now);
      pipeline.xadd(key, `${time}-${i}`, 'd', data);
    }
    await pipeline.exec();
  }
  client.disconnect();
}

async function timed(url: string, token: string): Promise<{ ms: number; count: number }> {
  const start = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { entries: unknown[] };
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return { ms: performance.now() - start, count: body.entries.length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function exportRun(
  base: string,
  token: string,
  format: 'csv' | 'json',
  pid: number,
  idle: { rss: number; anon: number },
): Promise<void> {
  let peak = rssMb(pid);
  let peakAnon = rssMb(pid, 'RssAnon');
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
    peakAnon = Math.max(peakAnon, rssMb(pid, 'RssAnon'));
  }, 20);
  const start = performance.now();
  const res = await fetch(`${base}/admin/api/v1/auth-log/export?format=${format}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body!) {
    bytes += chunk.length;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
  }
  clearInterval(sampler);
  const seconds = (performance.now() - start) / 1000;
  const rows = format === 'csv' ? lines - 1 : lines - 2;
  console.log(
    `export ${format}: ${rows} rows, ${(bytes / 1e6).toFixed(0)} MB in ${seconds.toFixed(1)} s = ${Math.round(rows / seconds)} rows/s; peak RSS ${peak.toFixed(0)} MB, ${(peak - idle.rss).toFixed(0)} MB above idle (anonymous: ${(peakAnon - idle.anon).toFixed(0)} MB)`,
  );
}

const redis: RedisServer | undefined = args.store === 'redis' ? await startRedis() : undefined;
const store = redis ? { store: { type: 'redis', redis: { url: redis.url, keyPrefix: 'bench:' } } } : {};
const latch = await startTestLatch({
  run: 'process',
  config: { authLog: { retention: '400d' }, ...store, ...heap },
  env: process.env.LATCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.LATCH_NODE_OPTIONS } : {},
});
try {
  const started = performance.now();
  if (redis) await fillRedis(redis.url, 'bench:ev:authlog', Date.now());
  else fillSqlite(latch.config.store.sqlite.file!, Date.now());
  console.log(`filled ${total} entries (${args.store}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const opened = await openStore(latch.config.store);
  const made = await new AdminTokens(opened).create('bench', 'read-only', 'bench');
  await opened.close();
  if (!made.ok) throw new Error('no token');
  const base = `${latch.url}`;
  const api = `${base}/admin/api/v1/auth-log`;
  await timed(`${api}?limit=1`, made.token);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idle = { rss: rssMb(latch.pid), anon: rssMb(latch.pid, 'RssAnon') };
  console.log(`server.heap: ${args.heap ?? "unset (Node's own limits)"}`);
  console.log(`idle RSS ${idle.rss.toFixed(0)} MB (anonymous ${idle.anon.toFixed(0)} MB)`);
  const cases: Array<[string, string]> = [
    ['first page (50, newest first)', `${api}?limit=50`],
    ['first page, user filter (1 in 5000)', `${api}?limit=50&user=user42`],
    ['first page, result=failure', `${api}?limit=50&result=failure`],
    ['first page, one day 10 days ago', `${api}?limit=50&from=${Date.now() - 11 * DAY}&to=${Date.now() - 10 * DAY}`],
    ['rare user (10 entries): one scan-limited page', `${api}?limit=50&user=rare`],
  ];
  for (const [label, url] of cases) {
    const first = await timed(url, made.token);
    const runs: number[] = [];
    for (let i = 0; i < 20; i++) runs.push((await timed(url, made.token)).ms);
    console.log(
      `${label}: ${first.count} entries; cold ${first.ms.toFixed(1)} ms, median ${median(runs).toFixed(1)} ms, max ${Math.max(...runs).toFixed(1)} ms`,
    );
  }
  for (const format of (args.exports ?? 'csv,json').split(','))
    await exportRun(base, made.token, format === 'json' ? 'json' : 'csv', latch.pid, idle);
} finally {
  await latch.stop();
  await redis?.stop();
}
