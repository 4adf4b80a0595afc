import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { MemoryStore } from '../../test/support/memory-store.ts';
import type { RangeQuery } from '../store/contract.ts';
import type { LogStream } from './auth-log.ts';
import { eachLogBatch, EXPORT_BATCH, searchLog } from './log-search.ts';
import { trimInBatches } from './log-retention.ts';

// Paging a log stream newest first with a filter the store does not apply, and trimming it in batches.

type Entry = { n: number; user: string };

/** A stream over a memory store whose entries get the times given (several may share a millisecond). */
async function streamOf(times: number[]): Promise<{ stream: LogStream<Entry>; reads: RangeQuery[] }> {
  const store = new MemoryStore();
  let i = 0;
  const realNow = Date.now;
  for (const time of times) {
    Date.now = () => time;
    await store.append('log', { n: i, user: i % 3 === 0 ? 'alice' : 'bob' });
    i++;
  }
  Date.now = realNow;
  const reads: RangeQuery[] = [];
  return {
    reads,
    stream: {
      range: (query) => (reads.push(query), store.range<Entry>('log', query)),
      trim: (before) => store.trim('log', before),
    },
  };
}

describe('log search', () => {
  it('pages newest first with a cursor, through entries that share a millisecond, without repeats or gaps', async () => {
    const times = Array.from({ length: 2500 }, (_, i) => 1_000_000 + Math.floor(i / 7));
    const { stream } = await streamOf(times);
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await searchLog(stream, { limit: 333, cursor });
      seen.push(...page.entries.map((e) => e.data.n));
      cursor = page.next;
    } while (cursor);
    assert.deepEqual(
      seen,
      Array.from({ length: 2500 }, (_, i) => 2499 - i),
    );
  });

  it('filters, and stops a rare search at the scan limit saying how far back it looked', async () => {
    const { stream } = await streamOf(Array.from({ length: 3000 }, (_, i) => 2_000_000 + i));
    const alice = await searchLog(stream, { limit: 5, filter: (e) => e.user === 'alice' });
    assert.deepEqual(
      alice.entries.map((e) => e.data.n),
      [2997, 2994, 2991, 2988, 2985],
    );
    const none = await searchLog(stream, { limit: 5, filter: (e) => e.user === 'carol', scanLimit: 1200 });
    assert.deepEqual(none.entries, []);
    assert.equal(none.searchedBackTo, 2_000_000 + 3000 - 1200);
    const rest = await searchLog(stream, { limit: 5, filter: (e) => e.user === 'carol', cursor: none.next });
    assert.deepEqual([rest.entries.length, rest.next], [0, undefined], 'the end of the log');
  });

  it('keeps to the time range, and refuses a cursor it did not write', async () => {
    const { stream } = await streamOf(Array.from({ length: 100 }, (_, i) => 3_000_000 + i * 10));
    const page = await searchLog(stream, { limit: 100, from: 3_000_200, to: 3_000_300 });
    assert.deepEqual(
      page.entries.map((e) => e.data.n),
      [29, 28, 27, 26, 25, 24, 23, 22, 21, 20],
    );
    await assert.rejects(searchLog(stream, { limit: 1, cursor: 'x;DROP' }), /not a cursor/);
  });

  it('exports in batches, each read only after the last was handled', async () => {
    const { stream, reads } = await streamOf(Array.from({ length: 2500 }, (_, i) => 4_000_000 + i));
    const batches: number[] = [];
    const total = await eachLogBatch(stream, { filter: (e) => e.user === 'bob' }, async (entries) => {
      batches.push(entries.length);
      const before = reads.length;
      await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(reads.length, before, 'nothing is read while a batch is being handled');
    });
    assert.ok(reads.length <= 2 * batches.length + 1, `${reads.length} reads for ${batches.length} batches`);
    assert.equal(total, 2500 - 834);
    assert.ok(batches.every((n) => n <= 1000));
  });
  it('exports small batches, through a millisecond that holds more entries than a batch, without repeats or gaps', async () => {
    const times = [
      ...Array.from({ length: 100 }, (_, i) => 6_000_000 + i),
      ...Array.from({ length: 2 * EXPORT_BATCH + 50 }, () => 6_000_100),
      ...Array.from({ length: 100 }, (_, i) => 6_000_101 + i),
    ];
    const { stream, reads } = await streamOf(times);
    const seen: number[] = [];
    const sizes: number[] = [];
    await eachLogBatch(stream, {}, async (entries) => {
      sizes.push(entries.length);
      seen.push(...entries.map((e) => e.data.n));
    });
    assert.deepEqual(
      seen,
      Array.from({ length: times.length }, (_, i) => times.length - 1 - i),
    );
    assert.ok(
      sizes.every((n) => n <= EXPORT_BATCH),
      `batches of ${sizes.join(', ')}`,
    );
    assert.ok(
      reads.every((r) => r.limit! <= 1000),
      'the store is never asked for more than it reads at once',
    );
  });
});

describe('log retention', () => {
  it('removes entries older than the cut, a batch at a time, including a batch all in one millisecond', async () => {
    const times = [
      ...Array.from({ length: 1500 }, () => 5_000_000),
      ...Array.from({ length: 700 }, (_, i) => 5_000_001 + i),
    ];
    const { stream, reads } = await streamOf(times);
    const removed = await trimInBatches(stream, 5_000_500, { batch: 400, pauseMs: 0 });
    assert.equal(removed, 1500 + 499);
    assert.ok(reads.every((r) => r.limit === 400));
    const left = await stream.range({ limit: 1000 });
    assert.equal(left.length, 201);
    assert.equal(left[0]!.time, 5_000_500);
  });
});
