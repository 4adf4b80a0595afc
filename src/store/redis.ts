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
import { ReplicaWait } from './redis-wait.ts';
import { duplicateClient, type RedisClient } from './redis-connect.ts';

// The shared backend for several Latch nodes. Every method touches exactly one Redis key, so
// standalone, Sentinel and Cluster all work without hash tags. A value is stored as the string
// "<version>:<json>", which lets SET NX PX, GETDEL and two short Lua scripts make
// createIfAbsent, take, compareAndSet and increment atomic.

export interface RedisStoreOptions {
  client: RedisClient;
  /** Prepended to every key and channel, so several deployments can share one server. */
  keyPrefix: string;
  /** How long confirmWrites() waits for a replica (WAIT) before it fails; 2 s by default. */
  replicaTimeoutMs?: number;
  log?: Logger;
}

const compareAndSetLua = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local sep = string.find(current, ':', 1, true)
if string.sub(current, 1, sep - 1) ~= ARGV[1] then return 0 end
if ARGV[3] == '' then redis.call('SET', KEYS[1], ARGV[2]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1`;

// Returns the new value as a string (a Lua number would be truncated to an integer reply), or
// false when the key holds something that is not a number.
const incrementLua = `
local current = redis.call('GET', KEYS[1])
if not current then
  if ARGV[3] == '' then redis.call('SET', KEYS[1], ARGV[2] .. ':' .. ARGV[1])
  else redis.call('SET', KEYS[1], ARGV[2] .. ':' .. ARGV[1], 'PX', ARGV[3]) end
  return ARGV[1]
end
local sep = string.find(current, ':', 1, true)
local number = tonumber(string.sub(current, sep + 1))
if number == nil then return false end
local text = string.format('%.17g', number + tonumber(ARGV[1]))
redis.call('SET', KEYS[1], ARGV[2] .. ':' .. text, 'KEEPTTL')
return text`;

interface Scripts {
  latchCompareAndSet(key: string, expected: string, value: string, ttl: string): Promise<number>;
  latchIncrement(key: string, by: string, version: string, ttl: string): Promise<string | null>;
}

type StreamEntry = [id: string, fields: string[]];

export function createRedisStore(options: RedisStoreOptions): Store {
  return new RedisStore(options);
}

class RedisStore implements Store {
  readonly kind = 'redis';
  private readonly client: RedisClient;
  private readonly scripts: Scripts;
  private readonly prefix: string;
  private readonly log: Logger | undefined;
  private readonly replicas: ReplicaWait;
  private subscriber: RedisClient | undefined;
  /** Per prefixed channel: its handlers and the SUBSCRIBE that must be acknowledged first. */
  private readonly handlers = new Map<string, { handlers: Set<(message: Json) => void>; ready: Promise<unknown> }>();

  constructor({ client, keyPrefix, log, replicaTimeoutMs }: RedisStoreOptions) {
    this.client = client;
    this.replicas = new ReplicaWait(client, replicaTimeoutMs ?? 2_000);
    this.prefix = keyPrefix;
    this.log = log;
    client.on('error', (err: Error) => log?.warn({ err }, 'redis connection error'));
    client.defineCommand('latchCompareAndSet', { numberOfKeys: 1, lua: compareAndSetLua });
    client.defineCommand('latchIncrement', { numberOfKeys: 1, lua: incrementLua });
    this.scripts = client as unknown as Scripts;
  }

  async get<T extends Json>(key: string): Promise<T | undefined> {
    return (await this.getVersioned<T>(key))?.value;
  }

  async getVersioned<T extends Json>(key: string): Promise<Versioned<T> | undefined> {
    const stored = await this.client.get(this.key(key));
    return stored === null ? undefined : parse<T>(stored);
  }

  async set(key: string, value: Json, options?: WriteOptions): Promise<void> {
    const stored = pack(newVersion(), value);
    const ttlMs = checkTtl(options?.ttlMs);
    if (ttlMs === undefined) await this.client.set(this.key(key), stored);
    else await this.client.set(this.key(key), stored, 'PX', ttlMs);
  }

  async createIfAbsent(key: string, value: Json, options?: WriteOptions): Promise<boolean> {
    const stored = pack(newVersion(), value);
    const ttlMs = checkTtl(options?.ttlMs);
    const reply =
      ttlMs === undefined
        ? await this.client.set(this.key(key), stored, 'NX')
        : await this.client.set(this.key(key), stored, 'PX', ttlMs, 'NX');
    return reply === 'OK';
  }

  async compareAndSet(key: string, version: number, value: Json, options?: WriteOptions): Promise<boolean> {
    const ttl = String(checkTtl(options?.ttlMs) ?? '');
    const stored = pack(newVersion(), value);
    return (await this.scripts.latchCompareAndSet(this.key(key), String(version), stored, ttl)) === 1;
  }

  async take<T extends Json>(key: string): Promise<T | undefined> {
    const stored = await this.client.getdel(this.key(key));
    return stored === null ? undefined : parse<T>(stored).value;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.client.del(this.key(key))) > 0;
  }

  async increment(key: string, by = 1, options?: WriteOptions): Promise<number> {
    const ttl = String(checkTtl(options?.ttlMs) ?? '');
    const reply = await this.scripts.latchIncrement(
      this.key(key),
      encode(checkIncrement(by)),
      String(newVersion()),
      ttl,
    );
    if (reply === null) throw new TypeError(`cannot increment "${key}": it does not hold a number`);
    return Number(reply);
  }

  async ttl(key: string): Promise<number | undefined> {
    const ms = await this.client.pttl(this.key(key));
    return ms < 0 ? undefined : ms;
  }

  async addToIndex(index: string, member: string): Promise<void> {
    await this.client.sadd(this.indexKey(index), member);
  }

  async removeFromIndex(index: string, member: string): Promise<void> {
    await this.client.srem(this.indexKey(index), member);
  }

  async listIndex(index: string): Promise<string[]> {
    return (await this.client.smembers(this.indexKey(index))).sort();
  }

  async append<T extends Json>(stream: string, data: T): Promise<StoredEvent<T>> {
    // "*" lets the server pick a time-based id that never goes backwards, whatever node appends.
    const id = await this.client.xadd(this.streamKey(stream), '*', 'd', encode(data));
    if (id === null) throw new Error(`redis did not append to stream "${stream}"`);
    return { id, time: idTime(id), data: decode<T>(encode(data)) };
  }

  async range<T extends Json>(stream: string, query: RangeQuery = {}): Promise<StoredEvent<T>[]> {
    const limit = rangeLimit(query);
    const filtered = checkWhere(query.where).length > 0;
    const bounds = streamBounds(query);
    if (!bounds) return [];
    let { start, end } = bounds;
    const key = this.streamKey(stream);
    const found: StoredEvent<T>[] = [];
    // Redis streams have no secondary index: a filtered range reads pages of 1000 in order and
    // keeps the matching events until it has `limit` (PostgreSQL answers it from an index).
    for (;;) {
      const count = filtered ? 1000 : limit;
      const entries = (
        query.reverse
          ? await this.client.xrevrange(key, end, start, 'COUNT', count)
          : await this.client.xrange(key, start, end, 'COUNT', count)
      ) as StreamEntry[];
      for (const [id, fields] of entries) {
        const event = { id, time: idTime(id), data: decode<T>(fields[1] ?? 'null') };
        if (matchesWhere(event.data, query.where)) found.push(event);
      }
      if (!filtered || found.length >= limit || entries.length < count) return found.slice(0, limit);
      const lastId = entries[entries.length - 1]![0];
      if (query.reverse) end = `(${lastId}`;
      else start = `(${lastId}`;
    }
  }

  async trim(stream: string, before: number): Promise<number> {
    if (before <= 0) return 0;
    return this.client.xtrim(this.streamKey(stream), 'MINID', Math.ceil(before));
  }

  async publish(channel: string, message: Json): Promise<void> {
    await this.client.publish(this.channel(channel), encode(message));
  }

  async subscribe(channel: string, onMessage: (message: Json) => void): Promise<Unsubscribe> {
    const name = this.channel(channel);
    const subscriber = this.subscriberConnection();
    let entry = this.handlers.get(name);
    if (!entry) {
      entry = { handlers: new Set(), ready: subscriber.subscribe(name) };
      this.handlers.set(name, entry);
    }
    entry.handlers.add(onMessage);
    await entry.ready;
    return async () => {
      const current = this.handlers.get(name);
      if (!current?.handlers.delete(onMessage) || current.handlers.size > 0) return;
      this.handlers.delete(name);
      await subscriber.unsubscribe(name);
    };
  }

  async confirmWrites(): Promise<void> {
    await this.replicas.confirm();
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.replicas.close();
    await Promise.all([this.subscriber, this.client].map((client) => client && quit(client)));
  }

  /** One extra connection for all subscriptions: a subscribed Redis connection can do nothing else. */
  private subscriberConnection(): RedisClient {
    if (this.subscriber) return this.subscriber;
    const subscriber = duplicateClient(this.client);
    subscriber.on('error', (err: Error) => this.log?.warn({ err }, 'redis subscriber connection error'));
    subscriber.on('message', (channel: string, text: string) => this.deliver(channel, text));
    this.subscriber = subscriber;
    return subscriber;
  }

  private deliver(channel: string, text: string): void {
    const handlers = this.handlers.get(channel)?.handlers;
    if (!handlers) return;
    let message: Json;
    try {
      message = decode(text);
    } catch (err) {
      this.log?.warn({ err, channel }, 'ignored a message that is not JSON');
      return;
    }
    for (const handler of handlers) {
      try {
        handler(message);
      } catch (err) {
        this.log?.error({ err, channel }, 'store subscriber failed');
      }
    }
  }

  private key(key: string): string {
    return `${this.prefix}kv:${key}`;
  }

  private indexKey(index: string): string {
    return `${this.prefix}ix:${index}`;
  }

  private streamKey(stream: string): string {
    return `${this.prefix}ev:${stream}`;
  }

  private channel(channel: string): string {
    return `${this.prefix}ch:${channel}`;
  }
}

function pack(version: number, value: Json): string {
  return `${version}:${encode(value)}`;
}

function parse<T extends Json>(stored: string): Versioned<T> {
  const sep = stored.indexOf(':');
  return { version: Number(stored.slice(0, sep)), value: decode<T>(stored.slice(sep + 1)) };
}

/** XRANGE bounds of a time range (`to` exclusive), or undefined when it is empty. */
function streamBounds(query: RangeQuery): { start: string; end: string } | undefined {
  const from = query.from === undefined ? undefined : Math.max(0, Math.ceil(query.from));
  const last = query.to === undefined ? undefined : Math.ceil(query.to) - 1;
  if (last !== undefined && (last < 0 || (from !== undefined && last < from))) return undefined;
  return { start: from === undefined ? '-' : String(from), end: last === undefined ? '+' : String(last) };
}

function idTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

async function quit(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
