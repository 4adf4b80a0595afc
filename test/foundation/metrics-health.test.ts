import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'mocha';
import fs from 'node:fs';
import { HttpClient, visibleText } from '../support/http-client.ts';
import { addUser } from '../support/commands.ts';
import { startTestLatch, type LatchProcess } from '../support/latch.ts';
import { startRedis, type RedisServer } from '../support/redis-server.ts';

// What an operator's monitoring sees: Prometheus counters after a sign-in, and readiness that
// follows the store.

const PASSWORD = 'correct horse battery';

async function readyz(
  url: string,
): Promise<{ status: number; body: { status: string; checks: Record<string, string> } }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
}

async function waitForReady(
  url: string,
  status: number,
  timeoutMs = 20_000,
): Promise<{ status: number; body: { status: string; checks: Record<string, string> } }> {
  const deadline = Date.now() + timeoutMs;
  let last = await readyz(url);
  while (last.status !== status && Date.now() < deadline) {
    await sleep(250);
    last = await readyz(url);
  }
  return last;
}

describe('metrics and health', () => {
  const processes: LatchProcess[] = [];
  const redisServers: RedisServer[] = [];
  after(async () => {
    for (const latch of processes) await latch.stop();
    for (const redis of redisServers) await redis.stop();
  });

  it('/metrics counts a successful password sign-in and times requests; /readyz is ready', async () => {
    const latch = await startTestLatch({ run: 'process', config: { signIn: { failureDelay: '10ms' } } });
    processes.push(latch);
    await addUser(latch.env, 'alice', { displayName: 'Alice Liddell', password: PASSWORD });
    assert.match(
      visibleText((await new HttpClient(latch.url).signIn('alice', PASSWORD)).text),
      /Signed in as Alice Liddell/,
    );
    await new HttpClient(latch.url).signIn('alice', 'wrong password');

    const res = await fetch(`${latch.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const metrics = await res.text();
    assert.match(metrics, /^latch_sign_in_decisions_total\{result="success",method="password"\} 1$/m);
    assert.match(metrics, /^latch_sign_in_decisions_total\{result="failure",method="password"\} 1$/m);
    assert.match(
      metrics,
      /^latch_http_request_duration_seconds_count\{method="POST",route="\/login",status="200"\} \d+$/m,
    );

    const ready = await readyz(latch.url);
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready', checks: { store: 'ok', directory: 'ok' } });
    const health = await fetch(`${latch.url}/healthz`);
    assert.equal(health.status, 200);
  });

  it('with Redis as the store, /readyz turns 503 while redis-server is down and 200 when it is back', async () => {
    const redis = await startRedis();
    const latch = await startTestLatch({ run: 'process', env: { LATCH_STORE: 'redis', LATCH_REDIS_URL: redis.url } });
    processes.push(latch);
    assert.equal((await readyz(latch.url)).status, 200);

    await redis.kill();
    const down = await waitForReady(latch.url, 503);
    assert.equal(down.status, 503);
    assert.deepEqual(down.body, { status: 'not ready', checks: { store: 'unavailable', directory: 'ok' } });
    assert.equal((await fetch(`${latch.url}/healthz`)).status, 200, 'the process itself is still healthy');
    // A user who starts signing in meanwhile is told to wait and try again, not "something went wrong".
    const page = await fetch(`${latch.url}/account/sign-in`, { redirect: 'manual' });
    assert.equal(page.status, 503);
    assert.equal(page.headers.get('retry-after'), '5');
    assert.match(
      await page.text(),
      /The sign-in service cannot reach its database at the moment\.[^]*Wait a few seconds, then try again\./,
    );
    const api = await fetch(`${latch.url}/account/sign-in`, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
    });
    assert.equal(api.status, 503);
    assert.equal((await api.json()).error, 'temporarily_unavailable');

    const restarted = await startRedis({ dir: redis.dir, port: redis.port });
    // The restarted server does not own the first one's dir: remove it when stopping.
    redisServers.push({
      ...restarted,
      stop: async () => {
        await restarted.stop();
        fs.rmSync(redis.dir, { recursive: true, force: true });
      },
    });
    const up = await waitForReady(latch.url, 200);
    assert.equal(up.status, 200);
    assert.deepEqual(up.body.checks, { store: 'ok', directory: 'ok' });
    assert.ok(
      latch.logs().some((l) => l.msg === 'not ready'),
      'the outage was logged',
    );
  });
});
