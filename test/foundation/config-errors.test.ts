import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'mocha';
import { cleanEnv, runLatch, writeConfig } from '../support/commands.ts';
import { scratchDir } from '../support/temp.ts';
import { freePort } from '../support/free-port.ts';

// `latch serve` with bad configuration refuses to start (exit code 2) and says, for every
// problem, the key, the bad value and what is expected; it writes nothing to the data dir.

async function serveWith(config: Record<string, unknown> | undefined, env: Record<string, string> = {}) {
  const dir = scratchDir('latch-config-errors-');
  const dataDir = path.join(dir, 'data');
  // A free port, in case Latch wrongly starts; not when the file under test sets server.port
  // (LATCH_PORT would override it).
  const setsPort = config !== undefined && 'port' in ((config.server as Record<string, unknown> | undefined) ?? {});
  const extra: Record<string, string> = {
    LATCH_DATA_DIR: dataDir,
    ...(setsPort ? {} : { LATCH_PORT: String(await freePort()) }),
    ...env,
  };
  if (config) extra.LATCH_CONFIG = writeConfig(dir, config);
  const result = await runLatch(['serve'], { env: cleanEnv(extra), timeoutMs: 20_000 });
  assert.equal(result.code, 2, `exit code 2, got ${result.code}; stderr:\n${result.stderr}`);
  assert.equal(fs.existsSync(dataDir), false, 'nothing was written to the data dir');
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  return result.stderr;
}

describe('config errors', () => {
  it('server.port "abc": names the key, the value and that a number is expected', async () => {
    const stderr = await serveWith({ server: { port: 'abc' } });
    assert.match(stderr, /^Latch cannot start: the configuration has 1 problem\(s\):$/m);
    assert.ok(stderr.includes('  - server.port: expected number, received string (got "abc")'), stderr);
  });

  it('an unknown key server.prot is refused', async () => {
    const stderr = await serveWith({ server: { prot: 8081 } });
    assert.ok(stderr.includes('  - server.prot: unknown key'), stderr);
  });

  it('session.idleTimeout "soon": expects a duration', async () => {
    const stderr = await serveWith({ session: { idleTimeout: 'soon' } });
    assert.ok(
      stderr.includes('  - session.idleTimeout: expected a duration such as "90s", "15m", "8h" or "30d" (got "soon")'),
      stderr,
    );
  });

  it('an unknown LATCH_ environment variable is refused and the known ones listed', async () => {
    const stderr = await serveWith(undefined, { LATCH_PROT: '1' });
    assert.ok(stderr.includes('  - LATCH_PROT: unknown environment variable (known: LATCH_PORT, '), stderr);
    assert.match(stderr, /LATCH_CONFIG\)/);
  });

  it('LATCH_PORT=abc names server.port', async () => {
    const stderr = await serveWith(undefined, { LATCH_PORT: 'abc' });
    assert.ok(stderr.includes('  - server.port: expected number, received string (got "abc")'), stderr);
  });

  it('a LATCH_CONFIG file that does not exist is named', async () => {
    const missing = path.join(scratchDir('latch-config-errors-'), 'nope.yaml');
    const stderr = await serveWith(undefined, { LATCH_CONFIG: missing });
    assert.ok(stderr.includes(`  - ${missing}: cannot read the file (ENOENT)`), stderr);
  });

  it('several problems at once are all listed', async () => {
    const stderr = await serveWith(
      { server: { port: 'abc', prot: 1 }, session: { idleTimeout: 'soon' } },
      { LATCH_PROT: '1' },
    );
    assert.match(stderr, /the configuration has 4 problem\(s\):/);
    for (const line of [
      '  - LATCH_PROT: unknown environment variable',
      '  - server.port: expected number, received string (got "abc")',
      '  - server.prot: unknown key',
      '  - session.idleTimeout: expected a duration such as "90s", "15m", "8h" or "30d" (got "soon")',
    ]) {
      assert.ok(stderr.includes(line), `missing "${line}" in:\n${stderr}`);
    }
  });
});
