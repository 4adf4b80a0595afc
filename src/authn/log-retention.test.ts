import assert from 'node:assert/strict';
import { it } from 'mocha';
import { pino } from 'pino';
import { MemoryStore } from '../../test/support/memory-store.ts';
import type { LogStream } from './auth-log.ts';
import { LogRetention } from './log-retention.ts';

// Retention on several nodes sharing a store: in each round one node trims each stream (the
// first to take its turn), the others skip it; entries inside the retention stay.

it('two nodes on one store: one trims each stream per round, only what is past its retention', async () => {
  const store = new MemoryStore();
  const realNow = Date.now;
  const now = realNow();
  for (const [i, age] of [40, 20, 5, 1].entries()) {
    Date.now = () => now - age * 86_400_000;
    await store.append('log', { n: i });
  }
  Date.now = realNow;
  const trims: number[] = [];
  const stream: LogStream<unknown> = {
    range: (query) => store.range('log', query),
    trim: async (before) => {
      trims.push(before);
      return store.trim('log', before);
    },
  };
  const log = pino({ level: 'silent' });
  const nodes = [0, 1].map(
    () => new LogRetention(store, [{ name: 'log', stream, retentionMs: 10 * 86_400_000 }], 60_000, log),
  );
  await Promise.all(nodes.map((node) => node.runOnce({ pauseMs: 0 })));
  assert.equal(trims.length, 1, 'one node trimmed; the other skipped its turn');
  assert.deepEqual(
    (await store.range<{ n: number }>('log')).map((e) => e.data.n),
    [2, 3],
    'the entries of 5 and 1 days ago stay',
  );
  await nodes[1]!.runOnce({ pauseMs: 0 });
  assert.equal(trims.length, 1, 'the turn lasts the round (trimEvery)');
});
