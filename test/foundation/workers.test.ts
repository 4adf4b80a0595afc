import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { after, before, describe, it } from 'mocha';
import { launchChromium, withContext, type Browser } from '../support/chromium.ts';
import { cleanEnv, runLatch, writeConfig } from '../support/commands.ts';
import { freePort } from '../support/free-port.ts';
import { startTestLatch, type LatchProcess, type LogLine } from '../support/latch.ts';
import { scratchDir } from '../support/temp.ts';
import { activationLink, CliPhone, PASSWORD, passwordThenPush, sendPush, signedInAs } from '../push/helpers.ts';

// server.workers: 2 on the embedded SQLite store. The browser's push long-poll and the phone's
// approval are served by different worker processes (each access-log line names its worker), and
// the approval still wakes the browser at once: the store's publish goes through the primary to
// every worker. A worker that dies is replaced; a start-up problem is printed once.

const ALICE = { username: 'alice', password: PASSWORD, displayName: 'Alice Liddell' };
const WAIT = '/login/push-wait';
const DECISION = /^\/push\/api\/requests\/[^/]+\/decision$/;

const keep: unknown[] = [];
const workersOf = (logs: LogLine[]) =>
  new Set(logs.filter((l) => l.msg === 'Latch is listening').map((l) => Number(l.pid)));

async function until<T>(what: string, find: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A GET on a connection of its own, so that successive requests go to the workers in turn. */
function freshGet(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      })
      .on('error', reject);
  });
}

/** /healthz answered by each worker so far, from the access log. */
function healthzByWorker(logs: LogLine[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const l of logs)
    if (l.msg === 'request' && l.path === '/healthz' && l.status === 200)
      counts.set(Number(l.pid), (counts.get(Number(l.pid)) ?? 0) + 1);
  return counts;
}

const HEALTHZ_COUNT =
  /^latch_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} (\d+)$/m;

/**
 * Six /healthz over fresh connections, then /metrics: its /healthz count is every worker's summed,
 * as the access log counts them (the log reaches the test a little after the answer).
 */
async function summedHealthz(
  metricsUrl: string,
  latch: LatchProcess,
): Promise<{ summed: number; byWorker: Map<number, number> }> {
  for (let i = 0; i < 6; i++) assert.equal((await freshGet(`${latch.url}/healthz`)).status, 200);
  const deadline = Date.now() + 5000;
  for (;;) {
    const scraped = await freshGet(metricsUrl);
    assert.equal(scraped.status, 200, scraped.text);
    const summed = Number(HEALTHZ_COUNT.exec(scraped.text)?.[1] ?? -1);
    const byWorker = healthzByWorker(latch.logs());
    const logged = [...byWorker.values()].reduce((a, b) => a + b, 0);
    if (summed === logged || Date.now() > deadline) return { summed, byWorker };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** `latch serve` with two workers, once the primary says both listen (/healthz answers as soon as one does). */
async function startTwoWorkers(options: Parameters<typeof startTestLatch>[0] = {}): Promise<LatchProcess> {
  const latch = await startTestLatch({
    ...options,
    run: 'process',
    config: { ...options.config, server: { workers: 2 } },
  });
  await until('both workers', () => latch.logs().find((l) => l.msg === 'Latch primary: every worker is listening'));
  // Each process writes its own lines: a worker's "listening" may be read after the primary's.
  await until("both workers' own lines", () => (workersOf(latch.logs()).size === 2 ? true : undefined));
  return latch;
}

describe('server.workers: 2 on SQLite', () => {
  let latch: LatchProcess;
  let chrome: Browser;
  const phone = new CliPhone();

  before(async () => {
    latch = await startTwoWorkers({ users: [ALICE] });
    assert.equal(workersOf(latch.logs()).size, 2);
    await phone.ok('activate', await activationLink(latch.url, 'alice'), '--name', 'Phone');
    chrome = await launchChromium();
  });

  after(async () => {
    await chrome?.close();
    if (latch) assert.equal(await latch.stop(), 0, 'SIGTERM to the primary stops every worker and exits 0');
  });

  it('the workers share the database file in WAL mode', () => {
    const db = new Database(path.join(latch.dataDir, 'latch.sqlite'), { readonly: true });
    const statement = db.prepare('PRAGMA journal_mode').pluck();
    // Kept referenced: better-sqlite3 12 can abort when V8 finalizes a statement (src/store/sqlite.ts).
    keep.push(db, statement);
    try {
      assert.equal(statement.get(), 'wal');
    } finally {
      db.close();
    }
  });

  it('an approval served by one worker wakes the browser waiting on the other at once', async () => {
    const attempts: string[] = [];
    // Connections go to the workers in turn, so the two requests usually land apart; a sign-in
    // where they did not proves nothing and is tried again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const seen = latch.logs().length;
      await withContext(chrome, {}, async (context) => {
        const page = await context.newPage();
        await passwordThenPush(page, latch.url, 'alice');
        const code = await sendPush(page);
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.equal(await phone.ok('approve', '--code', code), 'Approved.');
        const approvedAt = Date.now();
        await signedInAs(page, 'Alice Liddell');
        const took = Date.now() - approvedAt;
        assert.ok(
          took < 5000,
          `the browser continued ${took} ms after the approval (its long-poll alone would take 25 s)`,
        );
      });
      const lines = latch
        .logs()
        .slice(seen)
        .filter((l) => l.msg === 'request');
      const decision = await until('the decision in the log', () =>
        latch
          .logs()
          .slice(seen)
          .find((l) => l.msg === 'request' && DECISION.test(String(l.path))),
      );
      const woken = lines.filter((l) => l.path === WAIT).sort((x, y) => Number(y.ms) - Number(x.ms))[0];
      assert.ok(woken, 'the browser waited on /login/push-wait');
      attempts.push(`wait on worker ${woken.worker} (${woken.ms} ms), approval on worker ${decision.worker}`);
      if (woken.worker !== decision.worker) return;
    }
    assert.fail(`the wait and the approval never landed on different workers:\n${attempts.join('\n')}`);
  });

  it('/metrics on the main port sums every worker', async () => {
    const { summed, byWorker } = await summedHealthz(`${latch.url}/metrics`, latch);
    assert.equal(byWorker.size, 2, `both workers answered /healthz: ${JSON.stringify([...byWorker])}`);
    assert.equal(
      summed,
      [...byWorker.values()].reduce((a, b) => a + b, 0),
    );
  });

  it('a worker that is killed is replaced, and the port keeps answering', async () => {
    const before = workersOf(latch.logs());
    const victim = [...before][0]!;
    process.kill(victim, 'SIGKILL');
    const logged = await until('the primary to log the crash', () =>
      latch.logs().find((l) => l.msg === 'a worker stopped; starting another' && l.pid === victim),
    );
    assert.equal(logged.signal, 'SIGKILL');
    const replacement = await until('a new worker', () => [...workersOf(latch.logs())].find((pid) => !before.has(pid)));
    assert.notEqual(replacement, victim);
    for (let i = 0; i < 6; i++) assert.equal((await fetch(`${latch.url}/healthz`)).status, 200);
    const served = new Set(
      latch
        .logs()
        .filter((l) => l.msg === 'request' && l.path === '/healthz')
        .map((l) => Number(l.pid)),
    );
    assert.ok(
      served.has(replacement),
      `the new worker ${replacement} serves requests (served by ${[...served].join(', ')})`,
    );
  });
});

describe('server.workers: 2 with metrics.listen', () => {
  it('the primary listens there and sums every worker', async () => {
    const metricsListen = `127.0.0.1:${await freePort()}`;
    const latch = await startTwoWorkers({ config: { metrics: { listen: metricsListen } } });
    try {
      const { summed, byWorker } = await summedHealthz(`http://${metricsListen}/metrics`, latch);
      assert.equal(byWorker.size, 2, `both workers answered /healthz: ${JSON.stringify([...byWorker])}`);
      assert.equal(
        summed,
        [...byWorker.values()].reduce((a, b) => a + b, 0),
      );
      assert.equal((await freshGet(`${latch.url}/metrics`)).status, 404, 'not on the main port');
    } finally {
      assert.equal(await latch.stop(), 0);
    }
  });
});

describe('server.workers: 2 when the primary is killed', () => {
  it('the workers stop too, and the port is free again', async () => {
    const latch = await startTwoWorkers();
    const pids = [...workersOf(latch.logs())];
    assert.equal(pids.length, 2);
    await latch.kill();
    const alive = () =>
      pids.filter((pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      });
    await until('the workers to exit', () => (alive().length === 0 ? true : undefined), 10_000);
    await assert.rejects(fetch(`${latch.url}/healthz`), 'nothing answers on the port');
  });
});

describe('server.workers: 2 with a problem found while starting', () => {
  it('prints the problem once and exits 2', async () => {
    const dir = scratchDir('latch-workers-');
    // Read by each worker as it builds its metrics, not by the primary: every worker fails alike.
    const missing = path.join(dir, 'no-such-token');
    const config = writeConfig(dir, { server: { workers: 2 }, metrics: { bearerTokenFile: missing } });
    const env = cleanEnv({
      LATCH_CONFIG: config,
      LATCH_DATA_DIR: path.join(dir, 'data'),
      LATCH_PORT: String(await freePort()),
    });
    const result = await runLatch(['serve'], { env, timeoutMs: 30_000 });
    assert.equal(result.code, 2, `exit code 2, got ${result.code}; stderr:\n${result.stderr}`);
    const problem = `metrics.bearerTokenFile: cannot read "${missing}" (ENOENT)`;
    assert.equal(result.stderr.split(problem).length - 1, 1, `the problem is printed once:\n${result.stderr}`);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });
});
