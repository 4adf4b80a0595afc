import { it } from 'mocha';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig, ConfigError } from './load.ts';

function problems(passcodes: unknown): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'latch-passcodes-config-'));
  try {
    const file = path.join(dir, 'latch.yaml');
    writeFileSync(file, YAML.stringify({ passcodes }));
    loadConfig({ file, env: {}, cwd: dir });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.fail('expected a ConfigError');
}

it('defaults: issuer Latch, ±1 TOTP step, HOTP look-ahead 10 and resync window 200, 5 wrong codes per 15 minutes', () => {
  const { passcodes } = loadConfig({ env: {}, file: undefined });
  assert.deepEqual(passcodes, {
    issuer: 'Latch',
    totpSkew: 1,
    hotpLookAhead: 10,
    hotpResyncWindow: 200,
    throttle: { maxFailures: 5, window: 15 * 60_000 },
  });
});

it('bad values name the key, the value and what is expected', () => {
  const found = problems({
    totpSkew: -1,
    issuer: 'Acme: IT',
    throttle: { maxFailures: 0, window: 'soon' },
    extra: true,
  });
  assert.deepEqual(found.sort(), [
    'passcodes.extra: unknown key',
    'passcodes.issuer: expected a name without ":" (got "Acme: IT")',
    'passcodes.throttle.maxFailures: Too small: expected number to be >=1 (got 0)',
    'passcodes.throttle.window: expected a duration such as "90s", "15m", "8h" or "30d" (got "soon")',
    'passcodes.totpSkew: Too small: expected number to be >=0 (got -1)',
  ]);
});

it('a resync window no larger than the look-ahead is refused', () => {
  assert.deepEqual(problems({ hotpLookAhead: 20, hotpResyncWindow: 20 }), [
    'passcodes.hotpResyncWindow: expected a number larger than passcodes.hotpLookAhead (got 20)',
  ]);
});
