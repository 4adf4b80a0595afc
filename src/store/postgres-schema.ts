import type pg from 'pg';

// The PostgreSQL schema of the store, as numbered migrations. Every node runs migrate() at start:
// a session advisory lock makes nodes that start at once take turns, each migration runs in its
// own transaction with its version row, so a migration is applied once or not at all.

export interface Migration {
  version: number;
  name: string;
  sql: (schema: string) => string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'key/value with TTL, indexes, event log',
    sql: (s) => `
      -- The database server's clock, not each node's: TTLs and event times agree across nodes
      -- whatever their clocks say (as with Redis).
      CREATE FUNCTION ${s}.now_ms() RETURNS bigint LANGUAGE sql VOLATILE
        AS $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;
      CREATE FUNCTION ${s}.not_a_number(key text) RETURNS text LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'cannot increment "%": it does not hold a number', key USING ERRCODE = '22023'; END $$;
      CREATE TABLE ${s}.kv (
        key text PRIMARY KEY, value text NOT NULL, version bigint NOT NULL, expires_at bigint
      );
      CREATE INDEX kv_expires ON ${s}.kv (expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE ${s}.index_members (name text NOT NULL, member text NOT NULL, PRIMARY KEY (name, member));
      CREATE TABLE ${s}.events (
        seq bigserial PRIMARY KEY, stream text NOT NULL, time bigint NOT NULL, data text NOT NULL,
        -- The top-level scalar fields of data, for indexed queries (data stays exact as text).
        fields jsonb NOT NULL DEFAULT '{}'
      );
      CREATE INDEX events_by_time ON ${s}.events (stream, time, seq);
    `,
  },
  {
    version: 2,
    name: 'authentication log queries by user and by result',
    sql: (s) => `
      CREATE INDEX events_authlog_user ON ${s}.events ((fields ->> 'user'), time, seq) WHERE stream = 'authlog';
      CREATE INDEX events_authlog_result ON ${s}.events ((fields ->> 'result'), time, seq) WHERE stream = 'authlog';
    `,
  },
];

/** Any 64-bit number, the same on every node: the advisory lock of migrations. */
const MIGRATION_LOCK = 0x4c617463_68000001n;

/** Creates the schema or brings it up to date; refuses a schema newer than this Latch. */
export async function migrate(client: pg.ClientBase, schema: string): Promise<number[]> {
  const applied: number[] = [];
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const rows = (await client.query<{ version: number }>(`SELECT version FROM ${schema}.schema_migrations`)).rows;
    const done = new Set(rows.map((row) => row.version));
    const newest = Math.max(0, ...done);
    const known = MIGRATIONS[MIGRATIONS.length - 1]!.version;
    if (newest > known) {
      throw new Error(
        `the PostgreSQL schema "${schema}" is at version ${newest}, newer than this Latch knows (${known}): ` +
          'upgrade Latch on this node to the version the other nodes run',
      );
    }
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql(schema));
        await client.query(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES ($1, $2)`, [
          migration.version,
          migration.name,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(
          `PostgreSQL migration ${migration.version} (${migration.name}) failed: ${(err as Error).message}`,
          { cause: err },
        );
      }
      applied.push(migration.version);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]).catch(() => undefined);
  }
  return applied;
}
