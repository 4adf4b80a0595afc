import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { LatchConfig } from '../../src/config/schema.ts';
import { scratchDir } from './temp.ts';

/** A fresh temp directory, removed when the test process exits (also when a test fails). */
export function tempDir(): string {
  return scratchDir('latch-keys-');
}

/** keys config as loadConfig() returns it: an absolute dir, lifetime in ms. */
export function keysConfig(dir: string, extra: Partial<LatchConfig['keys']> = {}): LatchConfig['keys'] {
  return {
    dir: path.join(dir, 'keys'),
    certificateLifetime: 30 * 86_400_000,
    refreshInterval: 10_000,
    rotation: { publishAhead: 0 },
    ...extra,
  };
}

/** Runs the openssl CLI: an independent check of what our code wrote. */
export function openssl(args: string[], input?: string | Buffer): string {
  return execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}
