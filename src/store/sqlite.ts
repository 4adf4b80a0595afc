import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type {
  Json,
  MessageRelay,
  RangeQuery,
  Store,
  StoredEvent,
  Unsubscribe,
  Versioned,
  WriteOptions,
} from './contract.ts';
import { checkIncrement, checkTtl, checkWhere, decode, encode, newVersion, rangeLimit } from './common.ts';

// The embedded backend: one SQLite file, so a single node needs nothing else. SQLite is
// single-node: publish/subscribe stays inside this process (an EventEmitter), or with a relay
// reaches the node's other worker processes; several Latch nodes must use PostgreSQL or Redis
// instead. Other processes on the same file (workers, the CLI) see the same data: WAL mode lets
// them read while one writes, and busy_timeout makes a writer wait for another instead of failing.

export interface SqliteStoreOptions {
  /** Absolute path of the database file; its folder is created (0700) when missing. */
  file: string;
  /** How often expired keys are deleted; they are invisible to reads before that. */
  sweepIntervalMs?: number;
  log?: Logger;
  /** Publish to the node's other processes too (cluster workers); unset, publish stays in this process. */
  relay?: MessageRelay;
}

const schema = `
  CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY, value TEXT NOT NULL, version INTEGER NOT NULL, expires_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires_at) WHERE expires_at IS NOT NULL;
  CREATE TABLE IF NOT EXISTS idx (
    name TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY (name, member)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT NOT NULL, time INTEGER NOT NULL, data TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS events_by_time ON events (stream, time, seq);
`;

/** A row is visible while it has no expiry or its expiry is still ahead. */
const live = '(expires_at IS NULL OR expires_at > @now)';

interface KvRow {
  value: string;
  version: number;
  expires_at: number | null;
}
interface EventRow {
  seq: number;
  time: number;
  data: string;
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  return new SqliteStore(options);
}

class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly bus = new EventEmitter();
  private readonly sweeper: NodeJS.Timeout;
  private readonly log: Logger | undefined;
  private readonly relay: MessageRelay | undefined;
  private readonly sql: ReturnType<typeof prepare>;
  private readonly incrementTx: Database.Transaction<(key: string, by: number, ttlMs: number | undefined) => number>;
  private readonly appendTx: Database.Transaction<(stream: string, data: Json) => StoredEvent>;
  private readonly filtered = new Map<string, Database.Statement>();

  constructor(options: SqliteStoreOptions) {
    this.log = options.log;
    this.relay = options.relay;
    this.relay?.receive((channel, text) => this.bus.emit(channel, decode(text)));
    this.db = openDatabase(options.file);
    this.bus.setMaxListeners(0);
    this.sql = prepare(this.db);
    // Read-then-write in immediate transactions, so two processes on the file cannot interleave.
    this.incrementTx = this.db.transaction((key, by, ttlMs) => this.incrementNow(key, by, ttlMs));
    this.appendTx = this.db.transaction((stream, data) => this.appendNow(stream, data));
    this.sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 60_000);
    this.sweeper.unref();
  }

  async get<T extends Json>(key: string): Promise<T | undefined> {
    return (await this.getVersioned<T>(key))?.value;
  }

  async getVersioned<T extends Json>(key: string): Promise<Versioned<T> | undefined> {
    const row = this.sql.get.get({ key, now: Date.now() }) as KvRow | undefined;
    return row && { value: decode<T>(row.value), version: row.version };
  }

  async set(key: string, value: Json, options?: WriteOptions): Promise<void> {
    this.sql.upsert.run(this.row(key, value, options));
  }

  async createIfAbsent(key: string, value: Json, options?: WriteOptions): Promise<boolean> {
    return this.sql.insertIfAbsent.run(this.row(key, value, options)).changes === 1;
  }

  async compareAndSet(key: string, version: number, value: Json, options?: WriteOptions): Promise<boolean> {
    return this.sql.replaceVersion.run({ ...this.row(key, value, options), expected: version }).changes === 1;
  }

  async take<T extends Json>(key: string): Promise<T | undefined> {
    const row = this.sql.take.get({ key, now: Date.now() }) as { value: string } | undefined;
    return row && decode<T>(row.value);
  }

  async delete(key: string): Promise<boolean> {
    const row = this.sql.delete.get({ key }) as { expires_at: number | null } | undefined;
    return row !== undefined && (row.expires_at === null || row.expires_at > Date.now());
  }

  async increment(key: string, by = 1, options?: WriteOptions): Promise<number> {
    checkIncrement(by);
    const ttlMs = checkTtl(options?.ttlMs);
    return this.incrementTx.immediate(key, by, ttlMs);
  }

  private incrementNow(key: string, by: number, ttlMs: number | undefined): number {
    const now = Date.now();
    const row = this.sql.get.get({ key, now }) as KvRow | undefined;
    if (!row) {
      this.sql.upsert.run({
        key,
        value: encode(by),
        version: newVersion(),
        expires: ttlMs === undefined ? null : now + ttlMs,
      });
      return by;
    }
    const current = decode(row.value);
    if (typeof current !== 'number')
      throw new TypeError(`cannot increment "${key}": it holds a ${typeof current}, not a number`);
    const next = current + by;
    this.sql.upsert.run({ key, value: encode(next), version: newVersion(), expires: row.expires_at });
    return next;
  }

  async ttl(key: string): Promise<number | undefined> {
    const now = Date.now();
    const row = this.sql.get.get({ key, now }) as KvRow | undefined;
    return row?.expires_at == null ? undefined : row.expires_at - now;
  }

  async addToIndex(index: string, member: string): Promise<void> {
    this.sql.addMember.run({ name: index, member });
  }

  async removeFromIndex(index: string, member: string): Promise<void> {
    this.sql.removeMember.run({ name: index, member });
  }

  async listIndex(index: string): Promise<string[]> {
    return this.sql.members.pluck().all({ name: index }) as string[];
  }

  async append<T extends Json>(stream: string, data: T): Promise<StoredEvent<T>> {
    return this.appendTx.immediate(stream, data) as StoredEvent<T>;
  }

  private appendNow(stream: string, data: Json): StoredEvent {
    // Time never goes backwards within a stream, so time order and id order agree (as in Redis).
    const last = this.sql.lastTime.pluck().get({ stream }) as number | null;
    const time = Math.max(Date.now(), last ?? 0);
    const { lastInsertRowid } = this.sql.append.run({ stream, time, data: encode(data) });
    return { id: String(lastInsertRowid), time, data: decode(encode(data)) };
  }

  async range<T extends Json>(stream: string, query: RangeQuery = {}): Promise<StoredEvent<T>[]> {
    const params = {
      stream,
      from: query.from ?? Number.MIN_SAFE_INTEGER,
      to: query.to ?? Number.MAX_SAFE_INTEGER,
      limit: rangeLimit(query),
    };
    const where = checkWhere(query.where);
    const statement =
      where.length === 0
        ? query.reverse
          ? this.sql.rangeDesc
          : this.sql.rangeAsc
        : this.filteredRange(
            where.map(([field]) => field),
            query.reverse === true,
          );
    const values = Object.fromEntries(where.map(([, value], i) => [`w${i}`, value]));
    const rows = statement.all({ ...params, ...values }) as EventRow[];
    return rows.map((row) => ({ id: String(row.seq), time: row.time, data: decode<T>(row.data) }));
  }

  /** A range over events whose data has these string fields; prepared once per field list (see closedHandles). */
  private filteredRange(fields: string[], reverse: boolean): Database.Statement {
    const name = `${reverse ? 'desc' : 'asc'}:${fields.join(',')}`;
    let statement = this.filtered.get(name);
    if (!statement) {
      const conditions = fields.map(
        (field, i) => `json_type(data, '$.${field}') = 'text' AND json_extract(data, '$.${field}') = @w${i}`,
      );
      const order = reverse ? 'time DESC, seq DESC' : 'time, seq';
      statement = this.db
        .prepare(`SELECT seq, time, data FROM events WHERE stream = @stream AND time >= @from AND time < @to
        AND ${conditions.join(' AND ')} ORDER BY ${order} LIMIT @limit`);
      this.filtered.set(name, statement);
    }
    return statement;
  }

  async trim(stream: string, before: number): Promise<number> {
    return this.sql.trim.run({ stream, before }).changes;
  }

  async publish(channel: string, message: Json): Promise<void> {
    const text = encode(message);
    if (this.relay) return this.relay.send(channel, text);
    // Delivered later and as a copy, like a message that went through Redis.
    setImmediate(() => this.bus.emit(channel, decode(text)));
  }

  async subscribe(channel: string, onMessage: (message: Json) => void): Promise<Unsubscribe> {
    const listener = (message: Json) => {
      try {
        onMessage(message);
      } catch (err) {
        this.log?.error({ err, channel }, 'store subscriber failed');
      }
    };
    this.bus.on(channel, listener);
    return async () => void this.bus.off(channel, listener);
  }

  /** Nothing to wait for: one node, and a commit is on disk (WAL) before it returns. */
  async confirmWrites(): Promise<void> {}

  async ping(): Promise<void> {
    this.sql.ping.get();
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    clearInterval(this.sweeper);
    this.sweep();
    this.bus.removeAllListeners();
    this.db.close();
    closedHandles.push(this.db, this.sql, this.incrementTx, this.appendTx, this.filtered);
  }

  /** Deletes expired keys; reads already ignore them, this only reclaims the space. */
  private sweep(): void {
    try {
      const { changes } = this.sql.sweep.run({ now: Date.now() });
      if (changes > 0) this.log?.debug({ expired: changes }, 'store swept expired keys');
    } catch (err) {
      this.log?.warn({ err }, 'store sweep failed');
    }
  }

  private row(key: string, value: Json, options?: WriteOptions) {
    const ttlMs = checkTtl(options?.ttlMs);
    const now = Date.now();
    return { key, value: encode(value), version: newVersion(), expires: ttlMs === undefined ? null : now + ttlMs, now };
  }
}

function openDatabase(file: string): Database.Database {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, '', { flag: 'wx', mode: 0o600 });
    fs.chmodSync(file, 0o600); // the umask may have removed bits, never added them; be explicit
  }
  const db = new Database(file);
  // exec, not db.pragma(): pragma() prepares a statement that would be left to the collector.
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
  db.exec(schema);
  return db;
}

// better-sqlite3 12 on Node 24 can abort the process ("RemoveEnvironmentCleanupHook: (env) !=
// nullptr") when V8 finalizes one of its statements. So none is ever left to the garbage
// collector: every statement is prepared once per store, and a closed store's database,
// statements and transactions stay referenced here (one small entry per store opened).
const closedHandles: unknown[] = [];

function prepare(db: Database.Database) {
  return {
    ping: db.prepare('SELECT 1'),
    get: db.prepare(`SELECT value, version, expires_at FROM kv WHERE key = @key AND ${live}`),
    upsert: db.prepare(`INSERT INTO kv (key, value, version, expires_at) VALUES (@key, @value, @version, @expires)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version, expires_at = excluded.expires_at`),
    // An expired row counts as absent: it is replaced in the same statement.
    insertIfAbsent:
      db.prepare(`INSERT INTO kv (key, value, version, expires_at) VALUES (@key, @value, @version, @expires)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version, expires_at = excluded.expires_at
      WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= @now`),
    replaceVersion: db.prepare(`UPDATE kv SET value = @value, version = @version, expires_at = @expires
      WHERE key = @key AND version = @expected AND ${live}`),
    take: db.prepare(`DELETE FROM kv WHERE key = @key AND ${live} RETURNING value`),
    delete: db.prepare('DELETE FROM kv WHERE key = @key RETURNING expires_at'),
    sweep: db.prepare('DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= @now'),
    addMember: db.prepare('INSERT OR IGNORE INTO idx (name, member) VALUES (@name, @member)'),
    removeMember: db.prepare('DELETE FROM idx WHERE name = @name AND member = @member'),
    members: db.prepare('SELECT member FROM idx WHERE name = @name ORDER BY member'),
    lastTime: db.prepare('SELECT max(time) FROM events WHERE stream = @stream'),
    append: db.prepare('INSERT INTO events (stream, time, data) VALUES (@stream, @time, @data)'),
    rangeAsc: db.prepare(`SELECT seq, time, data FROM events WHERE stream = @stream AND time >= @from AND time < @to
      ORDER BY time, seq LIMIT @limit`),
    rangeDesc: db.prepare(`SELECT seq, time, data FROM events WHERE stream = @stream AND time >= @from AND time < @to
      ORDER BY time DESC, seq DESC LIMIT @limit`),
    trim: db.prepare('DELETE FROM events WHERE stream = @stream AND time < @before'),
  };
}
