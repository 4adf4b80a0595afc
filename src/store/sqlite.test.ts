import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'mocha';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { openSqliteStore } from './sqlite.ts';

// What only the SQLite backend promises: a private file, shared by processes on one node, and
// expired keys actually removed from disk.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'latch-sqlite-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Databases and statements these tests open themselves stay referenced, as the store's own do
// (see closedHandles in sqlite.ts): better-sqlite3 12 can abort when V8 finalizes a statement.
const keep: unknown[] = [];

function readOnDisk(file: string, sql: string): unknown {
  const db = new Database(file, { readonly: true });
  const statement = db.prepare(sql).pluck();
  keep.push(db, statement);
  try {
    return statement.get();
  } finally {
    db.close();
  }
}

function rowsOnDisk(file: string): number {
  return readOnDisk(file, 'SELECT count(*) FROM kv') as number;
}

describe('sqlite store', () => {
  it('with a relay, a publish reaches the subscribers of every store on it (cluster workers)', async () => {
    const file = path.join(tmp, 'relayed.sqlite');
    const receivers: ((channel: string, text: string) => void)[] = [];
    const relay = {
      send: (channel: string, text: string) =>
        setImmediate(() => receivers.forEach((deliver) => deliver(channel, text))),
      receive: (deliver: (channel: string, text: string) => void) => void receivers.push(deliver),
    };
    const [a, b] = [await openSqliteStore({ file, relay }), await openSqliteStore({ file, relay })];
    const heard: string[] = [];
    await a.subscribe('news', (m) => heard.push(`a ${JSON.stringify(m)}`));
    await b.subscribe('news', (m) => heard.push(`b ${JSON.stringify(m)}`));
    await a.publish('news', { id: 'x' });
    await sleep(20);
    assert.deepEqual(heard.sort(), ['a {"id":"x"}', 'b {"id":"x"}']);
    await a.close();
    await b.close();
  });

  it('without one, a publish stays in its own store', async () => {
    const file = path.join(tmp, 'alone.sqlite');
    const [a, b] = [await openSqliteStore({ file }), await openSqliteStore({ file })];
    const heard: string[] = [];
    await a.subscribe('news', () => heard.push('a'));
    await b.subscribe('news', () => heard.push('b'));
    await a.publish('news', 1);
    await sleep(20);
    assert.deepEqual(heard, ['a']);
    await a.close();
    await b.close();
  });

  it('creates a missing folder (0700) and a private database file (0600)', async () => {
    const file = path.join(tmp, 'new', 'deeper', 'latch.sqlite');
    const store = await openSqliteStore({ file });
    await store.set('k', 1);
    await store.close();
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(readOnDisk(file, 'PRAGMA journal_mode'), 'wal');
  });

  it('is shared by two stores on the same file, and kept across reopening', async () => {
    const file = path.join(tmp, 'shared.sqlite');
    const server = await openSqliteStore({ file });
    const cli = await openSqliteStore({ file });
    await cli.set('user:alice', { name: 'Alice' });
    assert.equal(await server.createIfAbsent('user:alice', { name: 'Mallory' }), false);
    assert.equal(await server.increment('n'), 1);
    assert.equal(await cli.increment('n'), 2);
    await Promise.all([server.close(), cli.close()]);
    const reopened = await openSqliteStore({ file });
    assert.deepEqual(await reopened.get('user:alice'), { name: 'Alice' });
    await reopened.close();
  });

  it('sweeps expired keys from disk periodically and on close', async () => {
    const file = path.join(tmp, 'sweep.sqlite');
    const store = await openSqliteStore({ file, sweepIntervalMs: 30 });
    await store.set('short', 1, { ttlMs: 20 });
    await store.set('kept', 2);
    await sleep(120);
    assert.equal(rowsOnDisk(file), 1, 'the timer swept the expired key');
    await store.close();

    const quiet = await openSqliteStore({ file, sweepIntervalMs: 60_000 });
    await quiet.set('short', 1, { ttlMs: 20 });
    await sleep(40);
    assert.equal(rowsOnDisk(file), 2, 'an expired key stays on disk until a sweep');
    await quiet.close();
    assert.equal(rowsOnDisk(file), 1, 'close swept it');
  });
});
