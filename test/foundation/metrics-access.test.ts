import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'mocha';
import { freePort } from '../support/free-port.ts';
import { startTestLatch, type LatchProcess } from '../support/latch.ts';
import { scratchDir } from '../support/temp.ts';

// /metrics tells anyone who can reach it how many sign-ins fail, which routes are slow, and the
// process's memory. An operator can require a bearer token (read from a file) or move it to a
// separate listen address that only the monitoring network reaches. By default it stays as it was.

const TOKEN = 'prometheus-scrape-token-4c2f9a7e1b';

describe('locking /metrics down', () => {
  const processes: LatchProcess[] = [];
  after(async () => {
    for (const latch of processes) await latch.stop();
  });

  async function start(config: Record<string, unknown>): Promise<LatchProcess> {
    const latch = await startTestLatch({ run: 'process', config });
    processes.push(latch);
    return latch;
  }

  const scrape = (url: string, authorization?: string) =>
    fetch(`${url}/metrics`, { headers: authorization ? { authorization } : {} });

  it('with metrics.bearerTokenFile: no token or a wrong one gets 401 and no metrics; the right one gets them', async () => {
    const file = path.join(scratchDir('latch-metrics-'), 'token');
    fs.writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
    const latch = await start({ metrics: { bearerTokenFile: file } });

    for (const authorization of [
      undefined,
      'Bearer wrong-token',
      `Bearer ${TOKEN}x`,
      `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`,
      TOKEN,
    ]) {
      const res = await scrape(latch.url, authorization);
      const body = await res.text();
      assert.equal(res.status, 401, `${authorization ?? 'no header'}: ${body}`);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="metrics"/);
      assert.doesNotMatch(body, /latch_|process_/, 'no metrics text');
    }
    const ok = await scrape(latch.url, `Bearer ${TOKEN}`);
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /^latch_http_request_duration_seconds_count/m);
    assert.ok(!latch.logs().some((l) => JSON.stringify(l).includes(TOKEN)), 'the token is never logged');
    assert.equal((await fetch(`${latch.url}/healthz`)).status, 200, 'health checks need no token');
  });

  it('with metrics.listen: the main port has no /metrics, the separate address serves it', async () => {
    const port = await freePort();
    const latch = await start({ metrics: { listen: `127.0.0.1:${port}` } });
    const main = await scrape(latch.url);
    assert.equal(main.status, 404);
    assert.doesNotMatch(await main.text(), /latch_/);
    const separate = await scrape(`http://127.0.0.1:${port}`);
    assert.equal(separate.status, 200);
    assert.match(await separate.text(), /^latch_sign_in_decisions_total|^# HELP latch_/m);
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 404, 'only /metrics there');
  });

  it('both: the separate address asks for the token too', async () => {
    const file = path.join(scratchDir('latch-metrics-'), 'token');
    fs.writeFileSync(file, TOKEN, { mode: 0o600 });
    const port = await freePort();
    await start({ metrics: { listen: `127.0.0.1:${port}`, bearerTokenFile: file } });
    assert.equal((await scrape(`http://127.0.0.1:${port}`)).status, 401);
    assert.equal((await scrape(`http://127.0.0.1:${port}`, `Bearer ${TOKEN}`)).status, 200);
  });

  it('a missing or empty token file and a bad listen address stop Latch with the key named', async () => {
    const dir = scratchDir('latch-metrics-');
    fs.writeFileSync(path.join(dir, 'empty'), '\n');
    for (const [metrics, expected] of [
      [{ bearerTokenFile: path.join(dir, 'missing') }, /metrics\.bearerTokenFile: cannot read/],
      [{ bearerTokenFile: path.join(dir, 'empty') }, /metrics\.bearerTokenFile: the file is empty/],
      [{ listen: 'localhost' }, /metrics\.listen: expected host:port/],
    ] as const) {
      await assert.rejects(start({ metrics }), (err: Error) => {
        assert.match(err.message, expected);
        return true;
      });
    }
  });
});
