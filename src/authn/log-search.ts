import type { StoredEvent } from '../store/contract.ts';
import type { LogStream } from './auth-log.ts';

// Searching a log stream (the authentication log, the admin audit log) newest first, a page at a
// time, with a filter the store cannot apply itself. The store reads a time range in batches; a
// cursor says where the next page starts, so a page costs what it reads, whatever the log's size.
// A search for something rare stops after `scanLimit` entries and says how far back it looked,
// so one request never reads a month of log: the next page goes on from there.

/** Where a page starts: entries older than `time`, after skipping the first `skip` entries at `time` itself. */
interface Position {
  time: number;
  skip: number;
}

export interface LogSearch<T> {
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  /** Entries per page. */
  limit: number;
  /** From the previous page's `next`. */
  cursor?: string;
  filter?: (data: T) => boolean;
  /** At most this many entries are read for one page (default 20,000). */
  scanLimit?: number;
  /** Entries per read from the store (default and at most 1000): an export reads small batches. */
  readSize?: number;
}

export interface LogPage<T> {
  entries: StoredEvent<T>[];
  /** The cursor of the next page; absent at the end of the log (or of the time range). */
  next?: string;
  /** Set when the scan limit ended the page early: entries back to this time were searched. */
  searchedBackTo?: number;
}

/** The most the store reads at once (its range limit). */
const MAX_READ = 1000;
const DEFAULT_SCAN_LIMIT = 20_000;
/**
 * Entries an export holds at once: a small batch keeps what is alive while the server waits for the
 * client small, so the garbage collector does not move it to the old generation and grow the heap.
 */
export const EXPORT_BATCH = 200;

export function encodeCursor(position: Position): string {
  return `${position.time}.${position.skip}`;
}

/** A cursor as given back by a client; undefined when it is not one this module wrote. */
export function decodeCursor(cursor: string): Position | undefined {
  const match = /^(\d{1,15})\.(\d{1,9})$/.exec(cursor);
  return match ? { time: Number(match[1]), skip: Number(match[2]) } : undefined;
}

/** Moves the position past one entry (newest first). */
function past(position: Position, time: number): Position {
  return time === position.time ? { time, skip: position.skip + 1 } : { time, skip: 1 };
}

export async function searchLog<T>(stream: LogStream<T>, search: LogSearch<T>): Promise<LogPage<T>> {
  const start = search.cursor === undefined ? undefined : decodeCursor(search.cursor);
  if (search.cursor !== undefined && !start) throw new RangeError('not a cursor of this log');
  const scanLimit = search.scanLimit ?? DEFAULT_SCAN_LIMIT;
  const entries: StoredEvent<T>[] = [];
  let position: Position = start ?? { time: (search.to ?? Number.MAX_SAFE_INTEGER) - 1, skip: 0 };
  let scanned = 0;
  const readSize = Math.min(MAX_READ, search.readSize ?? MAX_READ);
  for (;;) {
    const to = position.time + 1;
    // The entries to skip are read again, so that a small read still gets past them.
    const limit = Math.min(MAX_READ, position.skip + readSize);
    const batch = await stream.range({ from: search.from, to, reverse: true, limit });
    // The entries of the starting millisecond that earlier pages (or batches) showed.
    const shown = { ...position };
    let skipped = 0;
    for (const event of batch) {
      if (event.time === shown.time && skipped < shown.skip) {
        skipped++;
        continue;
      }
      position = past(position, event.time);
      scanned++;
      if (!search.filter || search.filter(event.data)) entries.push(event);
      if (entries.length === search.limit) return { entries, next: encodeCursor(position) };
      if (scanned >= scanLimit) return { entries, next: encodeCursor(position), searchedBackTo: event.time };
    }
    if (batch.length < limit) return { entries };
    // A whole batch of one millisecond already shown: a time range cannot reach past it, so the
    // search goes on below that millisecond (more than 1000 entries in one is not a real log's).
    if (skipped === batch.length) position = { time: position.time - 1, skip: 0 };
  }
}

/**
 * Every entry of the range that passes the filter, newest first, a batch at a time: `onBatch` is
 * awaited before the next batch is read, so an export streams at the pace of its reader.
 */
export async function eachLogBatch<T>(
  stream: LogStream<T>,
  search: Pick<LogSearch<T>, 'from' | 'to' | 'filter'>,
  onBatch: (entries: StoredEvent<T>[]) => Promise<void>,
): Promise<number> {
  let cursor: string | undefined;
  let total = 0;
  do {
    const page = await searchLog(stream, {
      ...search,
      limit: EXPORT_BATCH,
      cursor,
      scanLimit: EXPORT_BATCH,
      readSize: EXPORT_BATCH,
    });
    if (page.entries.length > 0) await onBatch(page.entries);
    total += page.entries.length;
    cursor = page.next;
  } while (cursor !== undefined);
  return total;
}
