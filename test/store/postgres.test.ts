import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'mocha';
import pg from 'pg';
import type { Json } from '../../src/store/contract.ts';
import { parsePostgresUrl } from '../../src/store/postgres-connect.ts';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres.ts';
import { storeUnreachable } from '../../src/store/unreachable.ts';
import { startPostgres, startReplica } from '../support/postgres-server.ts';

// What only the PostgreSQL backend promises: migrations that nodes starting at once agree on, the
// authentication log served by indexes, notifications across nodes, and finding the new primary
// after a replica is promoted.

const server = await startPostgres();
const stopAfter = [server];
after(() => Promise.all(stopAfter.map((s) => s.stop())));

const schemaName = () => `t_${randomBytes(6).toString('hex')}`;
const open = (schema: string, url = server.url) =>
  openPostgresStore({ url, schema, poolSize: 5, connectTimeoutMs: 2000 });

async function sql<R extends pg.QueryResultRow>(text: string, url = server.url): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('postgres store', () => {
  it('applies each migration once when five nodes start at once', async () => {
    const schema = schemaName();
    const stores = await Promise.all(Array.from({ length: 5 }, () => open(schema)));
    const applied = await sql<{ version: number }>(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
    assert.deepEqual(
      applied.map((row) => row.version),
      [1, 2],
    );
    await stores[0]!.set('k', 1);
    assert.equal(await stores[4]!.get('k'), 1);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('refuses to start on a schema that a newer Latch migrated, and says what to do', async () => {
    const schema = schemaName();
    await (await open(schema)).close();
    await sql(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES (99, 'from the future')`);
    await assert.rejects(
      open(schema),
      /schema ".*" is at version 99, newer than this Latch knows \(2\): upgrade Latch/,
    );
  });

  it('serves the authentication log by user and by result from indexes', async () => {
    const schema = schemaName();
    const store = await open(schema);
    await sql(`INSERT INTO ${schema}.events (stream, time, data, fields)
      SELECT 'authlog', 1000 + i, json_build_object('user', 'user' || (i % 500), 'result', 'success')::text,
             jsonb_build_object('user', 'user' || (i % 500), 'result', CASE WHEN i % 50 = 0 THEN 'failure' ELSE 'success' END)
      FROM generate_series(1, 20000) AS i; ANALYZE ${schema}.events`);
    const byUser = await store.explainRange('authlog', { where: { user: 'user7' }, reverse: true, limit: 100 });
    assert.match(byUser, /Index Scan.*events_authlog_user/, byUser);
    const byResult = await store.explainRange('authlog', { where: { result: 'failure' }, reverse: true });
    assert.match(byResult, /events_authlog_result/, byResult);
    const page = await store.range('authlog', { where: { user: 'user7' }, reverse: true, limit: 5 });
    assert.deepEqual(
      page.map((e) => e.time),
      [20507, 20007, 19507, 19007, 18507],
    );
    await store.close();
  });

  it('delivers notifications to every node, and refuses a message too big for NOTIFY', async () => {
    const schema = schemaName();
    const [a, b] = await Promise.all([open(schema), open(schema)]);
    const got: Json[] = [];
    await b.subscribe('push-decisions', (message) => void got.push(message));
    await a.publish('push-decisions', { id: 'r1' });
    await waitFor(() => got.length === 1);
    assert.deepEqual(got, [{ id: 'r1' }]);
    await assert.rejects(a.publish('push-decisions', 'x'.repeat(8000)), /at most 7999/);
    const other = await open(schemaName());
    await other.publish('push-decisions', { id: 'elsewhere' });
    await sleep(100);
    assert.deepEqual(got, [{ id: 'r1' }], 'another schema is another deployment');
    await Promise.all([a.close(), b.close(), other.close()]);
  });

  it('reads several hosts from one URL, as libpq writes them', () => {
    assert.deepEqual(parsePostgresUrl('postgres://latch:s%40cret@db1:5433,db2,[::1]:6000/latch?sslmode=require'), {
      endpoints: [
        { host: 'db1', port: 5433 },
        { host: 'db2', port: 5432 },
        { host: '::1', port: 6000 },
      ],
      user: 'latch',
      password: 's@cret',
      database: 'latch',
      ssl: true,
    });
    assert.throws(() => parsePostgresUrl('postgres://latch:pw@db1:x/latch'), /bad host "db1:x"/);
  });

  it('after the primary dies and its replica is promoted, finds the new primary with everything committed', async function () {
    this.timeout(120_000);
    const primary = await startPostgres({ synchronousStandby: true });
    const replica = await startReplica(primary);
    stopAfter.push(primary, replica);
    const url = `postgres://latch@127.0.0.1:${primary.port},127.0.0.1:${replica.port}/latch`;
    const schema = schemaName();
    const store: PostgresStore = await open(schema, url);
    const heard: Json[] = [];
    await store.subscribe('keys', (message) => void heard.push(message));
    for (let i = 0; i < 20; i++) await store.set(`credential:${i}`, { i });

    await primary.kill();
    // Both refusals are "the store cannot be reached", which a browser is told as such (503, try again).
    const gone = await store.ping().then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(gone !== undefined && storeUnreachable(gone), `the old primary is gone: ${String(gone)}`);
    const noPrimary = await store.get('credential:0').then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.match(String(noPrimary), /no PostgreSQL primary that accepts writes: .*standby/);
    assert.ok(storeUnreachable(noPrimary));
    await replica.promote();
    await waitFor(async () => replica.isPrimary());

    for (let i = 0; i < 20; i++)
      assert.deepEqual(await store.get(`credential:${i}`), { i }, `credential ${i} survived`);
    await store.set('after', true);
    await waitFor(async () => {
      await store.publish('keys', 'rotated');
      await sleep(100);
      return heard.length > 0;
    }, 10_000);
    assert.equal(heard[0], 'rotated', 'the LISTEN connection moved to the new primary');
    await store.close();
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (
    !(await Promise.resolve()
      .then(check)
      .catch(() => false))
  ) {
    if (Date.now() > until) throw new Error(`not true after ${timeoutMs} ms: ${check.toString()}`);
    await sleep(50);
  }
}
