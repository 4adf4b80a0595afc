import type { Logger } from 'pino';
import type { LatchConfig } from '../config/schema.ts';
import type { MessageRelay, Store } from './contract.ts';
import { connectRedis } from './redis-connect.ts';
import { createRedisStore } from './redis.ts';
import { openSqliteStore } from './sqlite.ts';

export type { Json, MessageRelay, RangeQuery, Store, StoredEvent, Unsubscribe, Versioned, WriteOptions } from './contract.ts';

/**
 * Opens the configured backend: SQLite (one node; `store.sqlite.file` is absolute after
 * loadConfig) or Redis (several nodes; URL, Sentinels + name, or Cluster nodes).
 * `relay` carries SQLite's publish/subscribe to this node's other workers (Redis has its own).
 * A Redis server that is down does not stop the open: ping() reports it, and the client reconnects.
 */
export async function openStore(config: LatchConfig['store'], log?: Logger, relay?: MessageRelay): Promise<Store> {
  if (config.type === 'sqlite') {
    const file = config.sqlite.file;
    if (!file) throw new Error('store.sqlite.file is not set: expected the path of the database file');
    return openSqliteStore({ file, log, relay });
  }
  const client = connectRedis(config.redis);
  return createRedisStore({ client, keyPrefix: config.redis.keyPrefix, log });
}
