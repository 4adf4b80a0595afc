import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temp dir, removed by the returned cleanup. */
export function tempDir(prefix = 'latch-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const scratch = new Set<string>();
process.on('exit', () => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp dir removed when the test process exits (also when a test fails). */
export function scratchDir(prefix = 'latch-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.add(dir);
  return dir;
}
