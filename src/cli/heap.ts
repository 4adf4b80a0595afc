import type { LatchConfig } from '../config/schema.ts';

// `server.heap` (opt-in): how far V8 lets the heap of a serving process grow. With Node's defaults
// on a machine with several GB of memory, V8 lets a busy process collect garbage late: a young
// generation of up to 128 MB and an old generation allowed to grow to four times what is live, so
// an export of the whole authentication log grew a process by 130 MB (SQLite) to 260 MB (Redis)
// of garbage, not data (bench/admin-log.ts); with youngMb 4 and maxMb 512, by 40-55 MB. Smaller
// heaps collect more often: SSO with a session costs about 17% more CPU with those limits, so
// they are not the default. The limits only take effect when the process starts, so `latch
// serve` restarts itself with them (same process id, process.execve); workers inherit them.

export type HeapConfig = NonNullable<LatchConfig['server']['heap']>;

const OWN = /^--max-(semi|old)-space-size=/;

export function heapFlags(heap: HeapConfig): string[] {
  return [`--max-semi-space-size=${heap.youngMb}`, `--max-old-space-size=${heap.maxMb}`];
}

/**
 * Restarts this process with the configured heap limits when it did not start with them; returns
 * only when it already has them (or cannot restart itself, which it says on stderr).
 */
export function applyHeapLimits(heap: HeapConfig): void {
  const flags = heapFlags(heap);
  if (flags.every((flag) => process.execArgv.includes(flag))) return;
  if (typeof process.execve !== 'function') {
    process.stderr.write(
      `server.heap is not applied: this Node.js cannot restart a process in place (22.15 or later can); ` +
        `start Latch with NODE_OPTIONS="${flags.join(' ')}" instead.\n`,
    );
    return;
  }
  // The configured limits replace any given on the command line (NODE_OPTIONS gives way to both).
  const kept = process.execArgv.filter((arg) => !OWN.test(arg));
  process.execve(process.execPath, [process.execPath, ...kept, ...flags, ...process.argv.slice(1)], process.env);
}
