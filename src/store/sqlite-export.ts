import fs from 'node:fs';
import Database from 'better-sqlite3';
import type { Json } from './contract.ts';
import { decode } from './common.ts';

// Reads what a single node's SQLite file holds, to move it into a shared store
// (`latch keys migrate --from DATA_DIR`): every live key with what is left of its TTL, and every
// index member. The file is opened read-only; the node that wrote it should be stopped.

export interface SqliteContents {
  values: { key: string; value: Json; ttlMs?: number }[];
  members: { index: string; member: string }[];
}

// As in sqlite.ts: statements stay referenced (better-sqlite3 12 may abort when V8 collects one).
const kept: unknown[] = [];

export function readSqliteFile(file: string): SqliteContents {
  if (!fs.existsSync(file)) throw new Error(`${file}: no such SQLite file (is --from the old data directory?)`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  const now = Date.now();
  const values = db.prepare('SELECT key, value, expires_at FROM kv WHERE expires_at IS NULL OR expires_at > ?');
  const members = db.prepare('SELECT name, member FROM idx ORDER BY name, member');
  kept.push(db, values, members);
  try {
    const rows = values.all(now) as { key: string; value: string; expires_at: number | null }[];
    return {
      values: rows.map((row) => ({
        key: row.key,
        value: decode(row.value),
        ...(row.expires_at === null ? {} : { ttlMs: Math.max(1, row.expires_at - now) }),
      })),
      members: (members.all() as { name: string; member: string }[]).map((row) => ({
        index: row.name,
        member: row.member,
      })),
    };
  } finally {
    db.close();
  }
}
