// The one storage contract of Latch (DESIGN.md, "Storage"). Three backends implement it: SQLite
// (embedded default, one node), PostgreSQL and Redis (several nodes). The same contract tests run
// against all three (test/support/store-contract.ts). Values are JSON; keys are strings namespaced like
// "session:<id>", every namespace declared once in src/store/records.ts, which the rest of Latch
// goes through. TTLs are milliseconds.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface WriteOptions {
  /** Expire the key this long after the write; absent means the key lives until deleted. */
  ttlMs?: number;
}

export interface Versioned<T> {
  value: T;
  /** Opaque, changes on every write; pass it back to compareAndSet. */
  version: number;
}

export interface StoredEvent<T = Json> {
  /** Unique and increasing within a stream. */
  id: string;
  /** Epoch milliseconds at which the event was appended. */
  time: number;
  data: T;
}

export interface RangeQuery {
  /** Epoch milliseconds, inclusive. */
  from?: number;
  /** Epoch milliseconds, exclusive. */
  to?: number;
  /** At most this many events (default 100, at most 1000). */
  limit?: number;
  /** Newest first instead of oldest first. */
  reverse?: boolean;
  /**
   * Only events whose data is an object with these top-level string fields (e.g. the
   * authentication log of one user); the limit counts matching events.
   */
  where?: Readonly<Record<string, string>>;
}

export type Unsubscribe = () => Promise<void>;

/**
 * How an embedded store's publish/subscribe reaches the other processes of one Latch (its cluster
 * workers, src/cluster/): a message sent here is delivered to every process, this one included.
 */
export interface MessageRelay {
  send(channel: string, text: string): void;
  /** Registers the one receiver of every relayed message. */
  receive(deliver: (channel: string, text: string) => void): void;
}

export interface Store {
  /** "sqlite", "postgres" or "redis": for logs and /readyz. */
  readonly kind: string;

  get<T extends Json>(key: string): Promise<T | undefined>;
  getVersioned<T extends Json>(key: string): Promise<Versioned<T> | undefined>;
  set(key: string, value: Json, options?: WriteOptions): Promise<void>;
  /** Writes only when the key does not exist (or has expired); true when it wrote. */
  createIfAbsent(key: string, value: Json, options?: WriteOptions): Promise<boolean>;
  /** Writes only when the key still has `version`; true when it wrote. */
  compareAndSet(key: string, version: number, value: Json, options?: WriteOptions): Promise<boolean>;
  /** Reads and deletes in one step: how single-use things (challenges, codes) are consumed. */
  take<T extends Json>(key: string): Promise<T | undefined>;
  /** True when a key existed. */
  delete(key: string): Promise<boolean>;
  /** Adds `by` (default 1) and returns the new value; a new counter gets `ttlMs`, an existing one keeps its expiry. */
  increment(key: string, by?: number, options?: WriteOptions): Promise<number>;
  /** Milliseconds until the key expires; undefined when it does not exist or never expires. */
  ttl(key: string): Promise<number | undefined>;

  /** Secondary indexes: a named set of members (e.g. the session ids of one user). */
  addToIndex(index: string, member: string): Promise<void>;
  removeFromIndex(index: string, member: string): Promise<void>;
  listIndex(index: string): Promise<string[]>;

  /** Append-only event log, queried by time range. */
  append<T extends Json>(stream: string, data: T): Promise<StoredEvent<T>>;
  range<T extends Json>(stream: string, query?: RangeQuery): Promise<StoredEvent<T>[]>;
  /** Drops events older than `before` (epoch ms); returns how many. */
  trim(stream: string, before: number): Promise<number>;

  /**
   * Publish/subscribe; with Redis and PostgreSQL it crosses nodes, with SQLite it reaches this
   * node's worker processes (MessageRelay). Delivery is at most once: a node that was disconnected
   * re-reads what it needs.
   */
  publish(channel: string, message: Json): Promise<void>;
  subscribe(channel: string, onMessage: (message: Json) => void): Promise<Unsubscribe>;

  /**
   * Waits until what this store wrote so far survives the loss of the primary: with Redis, WAIT
   * for a replica when the primary has any (and throws when none confirms in time); a no-op on
   * SQLite, and on PostgreSQL, whose commit already waited for synchronous standbys. Called after
   * writes that enroll or remove an authenticator or change keys (records declared `durable`).
   */
  confirmWrites(): Promise<void>;

  /** Throws when the backend does not answer; used by /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
