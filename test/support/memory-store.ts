import type {
  Json,
  RangeQuery,
  Store,
  StoredEvent,
  Unsubscribe,
  Versioned,
  WriteOptions,
} from '../../src/store/contract.ts';
import { matchesWhere } from '../../src/store/common.ts';

// A tiny Map-based Store for unit tests only, until src/store/ lands on main. It implements the
// whole contract with plain semantics; it is not a backend (nothing survives the process).

interface Entry {
  value: Json;
  version: number;
  expiresAt: number | undefined;
}

export class MemoryStore implements Store {
  readonly kind = 'memory';
  private readonly entries = new Map<string, Entry>();
  private readonly indexes = new Map<string, Set<string>>();
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly listeners = new Map<string, Set<(message: Json) => void>>();
  private versions = 0;
  private eventSeq = 0;

  /** Every live key, for tests that check nothing was left behind. */
  keys(): string[] {
    return [...this.entries.keys()].filter((key) => this.live(key) !== undefined);
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private write(key: string, value: Json, options?: WriteOptions): void {
    const expiresAt = options?.ttlMs === undefined ? undefined : Date.now() + options.ttlMs;
    this.entries.set(key, { value: structuredClone(value), version: ++this.versions, expiresAt });
  }

  async get<T extends Json>(key: string): Promise<T | undefined> {
    const entry = this.live(key);
    return entry && (structuredClone(entry.value) as T);
  }

  async getVersioned<T extends Json>(key: string): Promise<Versioned<T> | undefined> {
    const entry = this.live(key);
    return entry && { value: structuredClone(entry.value) as T, version: entry.version };
  }

  async set(key: string, value: Json, options?: WriteOptions): Promise<void> {
    this.write(key, value, options);
  }

  async createIfAbsent(key: string, value: Json, options?: WriteOptions): Promise<boolean> {
    if (this.live(key)) return false;
    this.write(key, value, options);
    return true;
  }

  async compareAndSet(key: string, version: number, value: Json, options?: WriteOptions): Promise<boolean> {
    if (this.live(key)?.version !== version) return false;
    this.write(key, value, options);
    return true;
  }

  async take<T extends Json>(key: string): Promise<T | undefined> {
    const value = await this.get<T>(key);
    this.entries.delete(key);
    return value;
  }

  async delete(key: string): Promise<boolean> {
    const existed = this.live(key) !== undefined;
    this.entries.delete(key);
    return existed;
  }

  async increment(key: string, by = 1, options?: WriteOptions): Promise<number> {
    const entry = this.live(key);
    if (!entry) {
      this.write(key, by, options);
      return by;
    }
    const next = (entry.value as number) + by;
    this.entries.set(key, { value: next, version: ++this.versions, expiresAt: entry.expiresAt });
    return next;
  }

  async ttl(key: string): Promise<number | undefined> {
    const entry = this.live(key);
    return entry?.expiresAt === undefined ? undefined : Math.max(0, entry.expiresAt - Date.now());
  }

  async addToIndex(index: string, member: string): Promise<void> {
    const set = this.indexes.get(index) ?? new Set<string>();
    set.add(member);
    this.indexes.set(index, set);
  }

  async removeFromIndex(index: string, member: string): Promise<void> {
    const set = this.indexes.get(index);
    set?.delete(member);
    if (set?.size === 0) this.indexes.delete(index);
  }

  async listIndex(index: string): Promise<string[]> {
    return [...(this.indexes.get(index) ?? [])];
  }

  async append<T extends Json>(stream: string, data: T): Promise<StoredEvent<T>> {
    const event: StoredEvent<T> = { id: String(++this.eventSeq).padStart(12, '0'), time: Date.now(), data };
    const events = this.streams.get(stream) ?? [];
    events.push(event);
    this.streams.set(stream, events);
    return event;
  }

  async range<T extends Json>(stream: string, query: RangeQuery = {}): Promise<StoredEvent<T>[]> {
    const { from = -Infinity, to = Infinity, limit = 100, reverse = false } = query;
    const events = (this.streams.get(stream) ?? []).filter(
      (e) => e.time >= from && e.time < to && matchesWhere(e.data, query.where),
    );
    if (reverse) events.reverse();
    return events.slice(0, Math.min(limit, 1000)) as StoredEvent<T>[];
  }

  async trim(stream: string, before: number): Promise<number> {
    const events = this.streams.get(stream) ?? [];
    const kept = events.filter((e) => e.time >= before);
    this.streams.set(stream, kept);
    return events.length - kept.length;
  }

  async publish(channel: string, message: Json): Promise<void> {
    for (const listener of this.listeners.get(channel) ?? []) listener(structuredClone(message));
  }

  async subscribe(channel: string, onMessage: (message: Json) => void): Promise<Unsubscribe> {
    const set = this.listeners.get(channel) ?? new Set();
    set.add(onMessage);
    this.listeners.set(channel, set);
    return async () => {
      set.delete(onMessage);
    };
  }

  async confirmWrites(): Promise<void> {}

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}
