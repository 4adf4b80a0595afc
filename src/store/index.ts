import type { Logger } from 'pino';
import type { LatchConfig } from '../config/schema.ts';
import type { MessageRelay, Store } from './contract.ts';
import { connectRedis } from './redis-connect.ts';
import { createRedisStore } from './redis.ts';
import { openPostgresStore } from './postgres.ts';
import { openSqliteStore } from './sqlite.ts';

export type {
  Json,
  MessageRelay,
  RangeQuery,
  Store,
  StoredEvent,
  Unsubscribe,
  Versioned,
  WriteOptions,
} from './contract.ts';
export { storeUnreachable } from './unreachable.ts';

/**
 * Opens the configured backend: SQLite (one node; `store.sqlite.file` is absolute after
 * loadConfig), PostgreSQL (several nodes; its schema is created or migrated here) or Redis
 * (several nodes; URL, Sentinels + name, or Cluster nodes). `relay` carries SQLite's
 * publish/subscribe to this node's other workers (the others cross processes themselves). A Redis
 * server that is down does not stop the open: ping() reports it, and the client reconnects.
 * PostgreSQL must answer, to migrate.
 */
export async function openStore(config: LatchConfig['store'], log?: Logger, relay?: MessageRelay): Promise<Store> {
  if (config.type === 'sqlite') {
    const file = config.sqlite.file;
    if (!file) throw new Error('store.sqlite.file is not set: expected the path of the database file');
    return openSqliteStore({ file, log, relay });
  }
  if (config.type === 'postgres') {
    const settings = config.postgres;
    if (!settings?.url) {
      throw new Error(
        'store.postgres.url is not set: with store.type "postgres", set it (or LATCH_POSTGRES_URL), e.g. postgres://latch@127.0.0.1:5432/latch',
      );
    }
    return openPostgresStore({
      url: settings.url,
      passwordFile: settings.passwordFile,
      schema: settings.schema,
      poolSize: settings.poolSize,
      connectTimeoutMs: settings.connectTimeout,
      log,
    });
  }
  const client = connectRedis(config.redis);
  return createRedisStore({
    client,
    keyPrefix: config.redis.keyPrefix,
    replicaTimeoutMs: config.redis.replicaTimeout,
    log,
  });
}
