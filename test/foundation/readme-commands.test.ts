import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'mocha';
import { cleanEnv, REPO_ROOT, runCommand } from '../support/commands.ts';
import { scratchDir } from '../support/temp.ts';
import { freePort } from '../support/free-port.ts';

// The README's install-and-start commands from a fresh clone: `npm ci`, which builds dist/, then
// `npm start`, which prints the URL to open and how to add the first user; `npx latch urls` lists
// the account page; SIGTERM shuts it down cleanly (exit code 0). Between the two, `npm prune
// --omit=dev` (README, Operations) removes tsx, TypeScript and esbuild: Latch runs its compiled
// JavaScript and serves the browser scripts bundled at install. Slow (npm ci compiles
// better-sqlite3): one clone.

describe('README commands from a fresh clone', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('npm ci && npm start serves Latch, and SIGTERM exits 0', async () => {
    const top = await runCommand('git', ['rev-parse', '--show-toplevel'], { env: cleanEnv(), cwd: REPO_ROOT });
    assert.equal(top.code, 0, top.stderr);
    const clone = path.join(scratchDir('latch-clone-'), 'latch');
    const cloned = await runCommand('git', ['clone', '--quiet', top.stdout.trim(), clone], {
      env: cleanEnv(),
      cwd: REPO_ROOT,
    });
    assert.equal(cloned.code, 0, cloned.stderr);

    const installed = await runCommand('npm', ['ci', '--no-audit', '--no-fund'], {
      env: cleanEnv(),
      cwd: clone,
      timeoutMs: 840_000,
    });
    assert.equal(installed.code, 0, `npm ci failed:\n${installed.stderr}`);
    assert.match(installed.stdout, /Built dist\/ in/, 'npm ci runs the build');
    const pruned = await runCommand('npm', ['prune', '--omit=dev', '--no-audit', '--no-fund'], {
      env: cleanEnv(),
      cwd: clone,
    });
    assert.equal(pruned.code, 0, `npm prune failed:\n${pruned.stderr}`);
    for (const tool of ['tsx', 'typescript', 'esbuild'])
      assert.ok(!fs.existsSync(path.join(clone, 'node_modules', tool)), `${tool} was pruned`);

    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const env = cleanEnv({
      LATCH_PORT: String(port),
      LATCH_BASE_URL: baseUrl,
      LATCH_DATA_DIR: scratchDir('latch-data-'),
    });
    // Its own process group, so that cleanup can end npm and Latch together.
    const server = spawn('npm', ['start'], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stderr = '';
    server.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    server.stdout.resume();
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    cleanups.push(async () => {
      try {
        process.kill(-server.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    });

    const deadline = Date.now() + 60_000;
    while (!stderr.includes('Endpoints for integrators') && Date.now() < deadline && server.exitCode === null)
      await sleep(200);
    assert.ok(stderr.includes(`Open ${baseUrl}/ to sign in`), `the start message names the URL to open:\n${stderr}`);
    assert.match(stderr, /npx latch user add/, 'it says how to create the first user');

    const health = await fetch(`${baseUrl}/healthz`);
    assert.equal(health.status, 200);
    const home = await fetch(`${baseUrl}/`);
    assert.match(await home.text(), /You are not signed in\./);
    const scripts = {
      '/static/webauthn.js': 'webauthn.js',
      '/authenticator/app.js': 'authenticator-app.js',
      '/authenticator/sw.js': 'authenticator-sw.js',
    };
    for (const [url, built] of Object.entries(scripts)) {
      const served = await fetch(`${baseUrl}${url}`);
      assert.equal(served.status, 200, url);
      assert.equal(
        await served.text(),
        fs.readFileSync(path.join(clone, 'dist', 'browser', built), 'utf8'),
        `${url} is the bundle built at install`,
      );
    }

    const urls = await runCommand('npx', ['latch', 'urls'], { env, cwd: clone });
    assert.equal(urls.code, 0, urls.stderr);
    assert.match(
      urls.stdout,
      new RegExp(`^Account page \\(sign in / sign out\\)\\s+${baseUrl.replace(/[.]/g, '\\.')}/$`, 'm'),
    );

    // SIGTERM to Latch (as systemd or a container runtime would send it); npm reports its exit code.
    const latchPid = descendants(server.pid!).find((pid) =>
      /bin\/latch\.js\0serve/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')),
    );
    assert.ok(latchPid, 'found the Latch process under npm');
    // No loader on its command line or in NODE_OPTIONS (and tsx is not even installed any more).
    assert.deepEqual(fs.readFileSync(`/proc/${latchPid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(1), [
      'bin/latch.js',
      'serve',
    ]);
    assert.doesNotMatch(
      fs.readFileSync(`/proc/${latchPid}/environ`, 'utf8'),
      /(^|\0)NODE_OPTIONS=[^\0]*(tsx|--import|--loader)/,
    );
    process.kill(latchPid, 'SIGTERM');
    assert.equal(await exited, 0, `graceful shutdown exits 0:\n${stderr}`);
  }).timeout(900_000);
});

/** Every process below `pid`, from /proc. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parents) if (ppid === parent) (found.push(child), walk(child));
  };
  walk(pid);
  return found;
}
