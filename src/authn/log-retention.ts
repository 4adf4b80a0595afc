import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Store } from '../store/contract.ts';
import { records } from '../store/records.ts';
import type { LogStream } from './auth-log.ts';

// Retention of the log streams (the authentication log, the admin audit log): every node looks
// every `trimEvery` and removes entries older than the retention, a small batch at a time with a
// pause between batches, so that a first trim of months of log never holds the store (SQLite
// writes one statement at a time) long enough to delay a sign-in. With Redis the nodes share the
// log: the first to take its turn (a key with a TTL) trims, and the others skip that round.

export interface RetainedStream {
  /** The stream's name, for the turn key and the log. */
  name: string;
  stream: LogStream<unknown>;
  retentionMs: number;
}

export interface TrimOptions {
  /** Entries removed per batch. */
  batch?: number;
  /** Pause between batches. */
  pauseMs?: number;
}

const BATCH = 1000;
const PAUSE_MS = 20;
const turns = records.logTrimTurn.holding<number>();

/** Removes entries older than `before`, `batch` at a time; returns how many. */
export async function trimInBatches(
  stream: LogStream<unknown>,
  before: number,
  options: TrimOptions = {},
): Promise<number> {
  const batch = options.batch ?? BATCH;
  let removed = 0;
  for (;;) {
    const oldest = await stream.range({ to: before, limit: batch });
    if (oldest.length === 0) return removed;
    const first = oldest[0]!.time;
    const last = oldest[oldest.length - 1]!.time;
    // Up to the last entry read, or past it when the whole batch is one millisecond (trim takes
    // times, not ids); never past `before`.
    const cut = oldest.length < batch ? before : Math.min(before, last === first ? last + 1 : last);
    removed += await stream.trim(cut);
    if (oldest.length < batch) return removed;
    await sleep(options.pauseMs ?? PAUSE_MS);
  }
}

export class LogRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly streams: RetainedStream[],
    private readonly everyMs: number,
    private readonly log: Logger,
  ) {}

  /** Another stream to keep trimmed (the admin audit log, added by the console). */
  add(stream: RetainedStream): void {
    this.streams.push(stream);
  }

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.everyMs);
    this.timer.unref();
    // A first round soon after start, not a whole period later.
    setTimeout(() => void this.runOnce(), Math.min(this.everyMs, 30_000)).unref();
  }

  /** One round over every stream (when this node has the turn); resolves when it is done. */
  runOnce(options: TrimOptions & { now?: number; force?: boolean } = {}): Promise<void> {
    this.running ??= this.round(options).finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async round(options: TrimOptions & { now?: number; force?: boolean }): Promise<void> {
    for (const { name, stream, retentionMs } of this.streams) {
      try {
        const mine =
          options.force || (await turns.createIfAbsent(this.store, name, Date.now(), { ttlMs: this.everyMs }));
        if (!mine) continue;
        const before = (options.now ?? Date.now()) - retentionMs;
        const removed = await trimInBatches(stream, before, options);
        if (removed > 0)
          this.log.info(
            { stream: name, removed, before: new Date(before).toISOString() },
            'log entries past their retention removed',
          );
      } catch (err) {
        this.log.warn({ err, stream: name }, 'log retention round failed; the next round tries again');
      }
    }
  }
}
