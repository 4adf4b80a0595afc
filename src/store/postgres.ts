import type pg from 'pg';
import type { Logger } from 'pino';
import type { Json, RangeQuery, Store, StoredEvent, Unsubscribe, Versioned, WriteOptions } from './contract.ts';
import {
  checkIncrement,
  checkTtl,
  checkWhere,
  decode,
  encode,
  matchesWhere,
  newVersion,
  rangeLimit,
} from './common.ts';
import { lostPrimary, PrimaryPool, type PostgresSettings } from './postgres-connect.ts';
import { Listener, MAX_PAYLOAD_BYTES } from './postgres-listen.ts';
import { migrate } from './postgres-schema.ts';
import { eventSql, kvSql } from './postgres-sql.ts';
import { StoreUnreachableError } from './unreachable.ts';

// The durable shared backend: PostgreSQL. Each method is one statement (or one short transaction
// for append), so create-if-absent, compare-and-set, take and increment are atomic across nodes.
// Times are the database server's (now_ms()), so nodes with skewed clocks agree on expiry.
// Commits wait for synchronous standbys when the server is configured so (docs/cluster.md), which
// is what makes an acknowledged enrollment survive a failover.

export interface PostgresStoreOptions extends PostgresSettings {
  /** The PostgreSQL schema holding Latch's tables (created when missing). */
  schema: string;
  /** How often expired keys are deleted; reads ignore them before that. */
  sweepIntervalMs?: number;
  log?: Logger;
}

interface KvRow {
  value: string;
  version: string;
  ttl: string | null;
}
interface EventRow {
  seq: string;
  time: string;
  data: string;
}

/** Opens the store, creating or migrating its schema first. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
    throw new Error(
      `store.postgres.schema: expected lower-case letters, digits and "_" (a PostgreSQL identifier), got "${options.schema}"`,
    );
  }
  const store = new PostgresStore(options);
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  private readonly primary: PrimaryPool;
  private readonly listener: Listener;
  private readonly handlers = new Map<string, Set<(message: Json) => void>>();
  private readonly kv: ReturnType<typeof kvSql>;
  private readonly events: ReturnType<typeof eventSql>;
  private readonly log: Logger | undefined;
  private readonly schema: string;
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: PostgresStoreOptions) {
    this.log = options.log;
    this.schema = options.schema;
    this.primary = new PrimaryPool(options, options.log);
    this.kv = kvSql(options.schema);
    this.events = eventSql(options.schema);
    this.listener = new Listener(
      this.primary,
      `latch_${options.schema}`,
      (channel, message) => this.deliver(channel, message),
      options.log,
    );
    // Reads ignore expired rows; this only reclaims their space (every node does it, harmlessly).
    this.sweeper = setInterval(() => void this.sweep(), options.sweepIntervalMs ?? 60_000);
    this.sweeper.unref();
  }

  private async sweep(): Promise<void> {
    try {
      await this.rows(this.kv.sweep, []);
    } catch (err) {
      this.log?.warn({ err }, 'store sweep failed');
    }
  }

  async migrate(): Promise<number[]> {
    const pool = await this.primary.pool();
    const client = await pool.connect();
    try {
      return await migrate(client, this.schema);
    } finally {
      client.release();
    }
  }

  async get<T extends Json>(key: string): Promise<T | undefined> {
    return (await this.getVersioned<T>(key))?.value;
  }

  async getVersioned<T extends Json>(key: string): Promise<Versioned<T> | undefined> {
    const [row] = await this.rows<KvRow>(this.kv.get, [text(key)]);
    return row && { value: decode<T>(row.value), version: Number(row.version) };
  }

  async set(key: string, value: Json, options?: WriteOptions): Promise<void> {
    await this.rows(this.kv.upsert, [text(key), encode(value), newVersion(), checkTtl(options?.ttlMs) ?? null]);
  }

  async createIfAbsent(key: string, value: Json, options?: WriteOptions): Promise<boolean> {
    return (
      (
        await this.rows(this.kv.insertIfAbsent, [
          text(key),
          encode(value),
          newVersion(),
          checkTtl(options?.ttlMs) ?? null,
        ])
      ).length === 1
    );
  }

  async compareAndSet(key: string, version: number, value: Json, options?: WriteOptions): Promise<boolean> {
    const ttl = checkTtl(options?.ttlMs) ?? null;
    return (
      (await this.rows(this.kv.replaceVersion, [text(key), encode(value), newVersion(), ttl, version])).length === 1
    );
  }

  async take<T extends Json>(key: string): Promise<T | undefined> {
    const [row] = await this.rows<{ value: string }>(this.kv.take, [text(key)]);
    return row && decode<T>(row.value);
  }

  async delete(key: string): Promise<boolean> {
    const [row] = await this.rows<{ live: boolean }>(this.kv.delete, [text(key)]);
    return row?.live === true;
  }

  async increment(key: string, by = 1, options?: WriteOptions): Promise<number> {
    checkIncrement(by);
    const ttl = checkTtl(options?.ttlMs) ?? null;
    try {
      const [row] = await this.rows<{ value: string }>(this.kv.increment, [text(key), encode(by), newVersion(), ttl]);
      return Number(decode(row!.value));
    } catch (err) {
      if ((err as { code?: string }).code === '22023') throw new TypeError((err as Error).message);
      throw err;
    }
  }

  async ttl(key: string): Promise<number | undefined> {
    const [row] = await this.rows<KvRow>(this.kv.get, [text(key)]);
    return row?.ttl == null ? undefined : Number(row.ttl);
  }

  async addToIndex(index: string, member: string): Promise<void> {
    await this.rows(this.kv.addMember, [text(index), text(member)]);
  }

  async removeFromIndex(index: string, member: string): Promise<void> {
    await this.rows(this.kv.removeMember, [text(index), text(member)]);
  }

  async listIndex(index: string): Promise<string[]> {
    return (await this.rows<{ member: string }>(this.kv.members, [text(index)])).map((row) => untext(row.member));
  }

  async append<T extends Json>(stream: string, data: T): Promise<StoredEvent<T>> {
    const json = encode(data);
    // One stream's appends take turns (a transaction lock), so time never goes backwards within
    // it and time order and id order agree, as in Redis.
    const row = await this.transaction(async (client) => {
      await client.query(this.events.lockStream, [text(stream)]);
      return (
        await client.query<{ seq: string; time: string }>(this.events.append, [
          text(stream),
          json,
          JSON.stringify(scalarFields(data)),
        ])
      ).rows[0]!;
    });
    return { id: row.seq, time: Number(row.time), data: decode<T>(json) };
  }

  async range<T extends Json>(stream: string, query: RangeQuery = {}): Promise<StoredEvent<T>[]> {
    const { sql, params } = this.rangeQuery(stream, query);
    const rows = await this.rows<EventRow>(sql, params);
    return rows
      .map((row) => ({ id: row.seq, time: Number(row.time), data: decode<T>(row.data) }))
      .filter((event) => matchesWhere(event.data, query.where));
  }

  /** The plan PostgreSQL makes for a range query (tests and operators check that indexes serve it). */
  async explainRange(stream: string, query: RangeQuery = {}): Promise<string> {
    const { sql, params } = this.rangeQuery(stream, query);
    const rows = await this.rows<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  }

  async trim(stream: string, before: number): Promise<number> {
    return (await this.rows(this.events.trim, [text(stream), Math.ceil(before)])).length;
  }

  async publish(channel: string, message: Json): Promise<void> {
    const payload = encode({ c: channel, m: message });
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      throw new RangeError(
        `a message on "${channel}" is ${Buffer.byteLength(payload)} bytes; PostgreSQL notifications carry at most ${MAX_PAYLOAD_BYTES}`,
      );
    }
    await this.rows('SELECT pg_notify($1, $2)', [this.listener.channel, payload]);
  }

  async subscribe(channel: string, onMessage: (message: Json) => void): Promise<Unsubscribe> {
    let set = this.handlers.get(channel);
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(onMessage);
    await this.listener.ready();
    return async () => {
      const current = this.handlers.get(channel);
      current?.delete(onMessage);
      if (current?.size === 0) this.handlers.delete(channel);
    };
  }

  /** A commit returns after synchronous standbys flushed it (synchronous_standby_names): nothing to wait for. */
  async confirmWrites(): Promise<void> {}

  async ping(): Promise<void> {
    await this.rows('SELECT 1', []);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.handlers.clear();
    await this.listener.close();
    await this.primary.close();
  }

  private rangeQuery(stream: string, query: RangeQuery): { sql: string; params: unknown[] } {
    const where = checkWhere(query.where);
    const params: unknown[] = [text(stream), query.from ?? null, query.to ?? null, rangeLimit(query)];
    const fields = where.map(([field, value]) => {
      params.push(value.replaceAll('\u0000', ''));
      return ` AND fields ->> '${field}' = $${params.length}`;
    });
    const order = query.reverse ? 'time DESC, seq DESC' : 'time, seq';
    const sql = `SELECT seq, time, data FROM ${this.schema}.events WHERE stream = $1
      AND ($2::bigint IS NULL OR time >= $2) AND ($3::bigint IS NULL OR time < $3)${fields.join('')}
      ORDER BY ${order} LIMIT $4`;
    return { sql, params };
  }

  private deliver(channel: string, message: Json): void {
    for (const handler of this.handlers.get(channel) ?? []) {
      try {
        handler(message);
      } catch (err) {
        this.log?.error({ err, channel }, 'store subscriber failed');
      }
    }
  }

  private async rows<R extends pg.QueryResultRow = Record<string, never>>(
    sql: string,
    params: unknown[],
  ): Promise<R[]> {
    const pool = await this.primary.pool();
    try {
      return (await pool.query<R>(sql, params)).rows;
    } catch (err) {
      throw this.lost(err);
    }
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const pool = await this.primary.pool();
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw this.lost(err);
    }
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.lost(err);
    } finally {
      client.release();
    }
  }

  /** After a failed query: look for the primary again if it may be gone, and say the store is unreachable then. */
  private lost(err: unknown): unknown {
    this.primary.forget(err);
    if (!lostPrimary(err)) return err;
    return new StoreUnreachableError(`PostgreSQL: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * The top-level string fields of an event, for the indexed `fields` column. NUL is dropped (jsonb
 * cannot hold it); range() then compares the exact values again.
 */
function scalarFields(data: Json): Record<string, string> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return {};
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(data)) {
    if (typeof value === 'string') fields[name] = value.replaceAll('\u0000', '');
  }
  return fields;
}

/**
 * PostgreSQL text cannot hold NUL, which keys built from user input may contain: "\\" and NUL are
 * escaped (one-to-one, so distinct keys stay distinct).
 */
function text(value: string): string {
  return /[\\\u0000]/.test(value) ? value.replace(/[\\\u0000]/g, (c) => (c === '\\' ? '\\\\' : '\\0')) : value;
}

function untext(value: string): string {
  return value.includes('\\') ? value.replace(/\\(.)/g, (_, c: string) => (c === '0' ? '\u0000' : c)) : value;
}
