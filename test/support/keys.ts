import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type { LatchConfig } from '../../src/config/schema.ts';

/** A fresh temp directory removed after the test, also when it fails. */
export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'latch-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** keys config as loadConfig() returns it: an absolute dir, lifetime in ms. */
export function keysConfig(dir: string, extra: Partial<LatchConfig['keys']> = {}): LatchConfig['keys'] {
  return { dir: path.join(dir, 'keys'), certificateLifetime: 30 * 86_400_000, ...extra };
}

/** Runs the openssl CLI: an independent check of what our code wrote. */
export function openssl(args: string[], input?: string | Buffer): string {
  return execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}
