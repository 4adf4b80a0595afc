import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'mocha';
import { startTestLatch } from '../support/latch.ts';

// server.heap: `latch serve` runs with the configured V8 heap limits (the process restarts itself
// in place, so its process id, the one a service manager watches, stays the same), and cluster
// workers run with them too. An operator sees them in the process's command line (ps).

const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
const childrenOf = (pid: number) =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
const FLAGS = ['--max-semi-space-size=8', '--max-old-space-size=384'];

describe('server.heap', () => {
  it('one process: the process that answers runs with the configured limits, under the same id', async () => {
    const latch = await startTestLatch({ run: 'process', config: { server: { heap: { youngMb: 8, maxMb: 384 } } } });
    try {
      const args = commandLine(latch.pid);
      for (const flag of FLAGS) assert.ok(args.includes(flag), `${flag} in ${args.join(' ')}`);
      assert.equal((await fetch(`${latch.url}/healthz`)).status, 200);
    } finally {
      await latch.stop();
    }
  });

  it('two workers: each runs with the configured limits', async () => {
    const latch = await startTestLatch({
      run: 'process',
      config: { server: { workers: 2, heap: { youngMb: 8, maxMb: 384 } } },
    });
    try {
      const workers = childrenOf(latch.pid);
      assert.equal(workers.length, 2, `children of ${latch.pid}: ${workers.join(' ')}`);
      for (const pid of workers) {
        const args = commandLine(pid);
        for (const flag of FLAGS) assert.ok(args.includes(flag), `worker ${pid}: ${flag} in ${args.join(' ')}`);
      }
    } finally {
      await latch.stop();
    }
  });
});
