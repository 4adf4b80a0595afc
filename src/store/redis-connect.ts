import fs from 'node:fs';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { LatchConfig } from '../config/schema.ts';

// Turns `store.redis` into an ioredis client: a URL (standalone), Sentinels plus a master name,
// or Cluster seed nodes. The password is read from a file so it never sits in the config.

export type RedisConfig = LatchConfig['store']['redis'];
export type RedisClient = Redis | Cluster;

/** Fail commands after a few reconnect attempts instead of queueing them for a minute. */
const common: RedisOptions = { maxRetriesPerRequest: 3, connectTimeout: 5_000 };

export function connectRedis(config: RedisConfig): RedisClient {
  const password = readPassword(config.passwordFile);
  const auth = password === undefined ? {} : { password };
  if (config.cluster?.length) {
    return new Cluster(config.cluster, { redisOptions: { ...common, ...auth } });
  }
  if (config.sentinels?.length) {
    if (!config.name) {
      throw new Error('store.redis.name: the Sentinel master name is required when store.redis.sentinels is set');
    }
    return new Redis({ ...common, ...auth, sentinels: config.sentinels, name: config.name });
  }
  if (config.url) return new Redis(config.url, { ...common, ...auth });
  throw new Error(
    'store.redis.url is not set: with store.type "redis", set store.redis.url (redis://host:port/db), ' +
      'or store.redis.sentinels with store.redis.name, or store.redis.cluster',
  );
}

function readPassword(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new Error(`store.redis.passwordFile: cannot read "${file}" (${(err as Error).message})`, { cause: err });
  }
}

/** A second connection with the same options (for subscriptions). */
export function duplicateClient(client: RedisClient): RedisClient {
  return client instanceof Cluster ? client.duplicate() : client.duplicate();
}
