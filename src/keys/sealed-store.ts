import type { Json, Store, Versioned, WriteOptions } from '../store/contract.ts';
import { sealedKeys } from '../store/records.ts';
import type { MasterKey } from './master-key.ts';

// The store as the rest of Latch sees it when a master key is set: the values of secrets
// (records declared `sealed`: signing keys, server secret, VAPID keys, the SAML persistent-id
// secret) are sealed on write and opened on read, so the database or Redis never holds them in
// the clear and a backup of it is useless without the master key. Everything else passes through.
//
// A secret written before the master key was set (a single node moving to a cluster) is read as
// it is and sealed in place on that first read (compare-and-set, so nodes agree).

interface SealedValue {
  sealed: string;
}

function isSealed(value: Json | undefined): value is Json & SealedValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof value.sealed === 'string' &&
    Object.keys(value).length === 1
  );
}

export class SealedSecretError extends Error {
  constructor(key: string, cause: unknown) {
    super(
      `the store holds "${key}" sealed under another master key: every node needs the same keys.masterKeyFile ` +
        `(${(cause as Error).message})`,
      { cause },
    );
    this.name = 'SealedSecretError';
  }
}

export function sealSecrets(store: Store, master: MasterKey, keys: Set<string> = sealedKeys()): Store {
  const seal = (key: string, value: Json): Json =>
    keys.has(key) ? { sealed: master.seal(JSON.stringify(value), key) } : value;
  const open = (key: string, value: Json): Json => {
    if (!keys.has(key) || !isSealed(value)) return value;
    try {
      return JSON.parse(master.open(value.sealed, key)) as Json;
    } catch (err) {
      throw new SealedSecretError(key, err);
    }
  };

  async function getVersioned<T extends Json>(key: string): Promise<Versioned<T> | undefined> {
    const found = await store.getVersioned<Json>(key);
    if (!found) return undefined;
    if (keys.has(key) && !isSealed(found.value)) {
      // Written in the clear (before the master key): seal it now, once, whichever node reads first.
      await store.compareAndSet(key, found.version, seal(key, found.value));
      const again = await store.getVersioned<Json>(key);
      return again && { value: open(key, again.value) as T, version: again.version };
    }
    return { value: open(key, found.value) as T, version: found.version };
  }

  return {
    kind: store.kind,
    get: async <T extends Json>(key: string) => (await getVersioned<T>(key))?.value,
    getVersioned,
    set: (key, value, options?: WriteOptions) => store.set(key, seal(key, value), options),
    createIfAbsent: (key, value, options?: WriteOptions) => store.createIfAbsent(key, seal(key, value), options),
    compareAndSet: (key, version, value, options?: WriteOptions) =>
      store.compareAndSet(key, version, seal(key, value), options),
    take: async <T extends Json>(key: string) => {
      const value = await store.take<Json>(key);
      return value === undefined ? undefined : (open(key, value) as T);
    },
    delete: (key) => store.delete(key),
    increment: (key, by, options) => store.increment(key, by, options),
    ttl: (key) => store.ttl(key),
    addToIndex: (index, member) => store.addToIndex(index, member),
    removeFromIndex: (index, member) => store.removeFromIndex(index, member),
    listIndex: (index) => store.listIndex(index),
    append: (stream, data) => store.append(stream, data),
    range: (stream, query) => store.range(stream, query),
    trim: (stream, before) => store.trim(stream, before),
    publish: (channel, message) => store.publish(channel, message),
    subscribe: (channel, onMessage) => store.subscribe(channel, onMessage),
    confirmWrites: () => store.confirmWrites(),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
