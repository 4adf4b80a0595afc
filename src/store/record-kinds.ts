import type { Json, RangeQuery, Store, StoredEvent, Unsubscribe, Versioned, WriteOptions } from './contract.ts';

// The kinds of thing Latch keeps in the store, as typed accessors over the Store contract:
// values (a key holds one JSON value), counters, indexes (a key names a set of strings), event
// streams and publish/subscribe channels. src/store/records.ts declares every one of them with
// these functions; a key is always built here, from its namespace and parts, never at a call site.
//
// A declaration knows the shape of its keys, its owner and its TTL policy, but not the TypeScript
// type of its values: that type belongs to the owner (an IdpSession is the sign-in's business, not
// the store's), so the owner binds it with `holding<T>()` and store/ imports nothing from above.

/** A key part: any string, or one of a closed set (so that namespaces provably cannot collide). */
export type Part = string | { readonly name: string; readonly oneOf: readonly string[] };

/**
 * How a namespace's keys expire: every write sets a TTL ("required"), none does ("none": the key
 * lives until deleted), or the writer decides ("optional").
 */
export type TtlPolicy = 'required' | 'none' | 'optional';

type PartName<P> = P extends string ? P : P extends { readonly name: infer N extends string } ? N : never;
type PartValue<P> = P extends { readonly oneOf: readonly (infer O extends string)[] } ? O : string;

/** The key argument of an accessor: none (the namespace is one key), the part (one part), or the parts by name. */
export type KeyArgs<P extends readonly Part[]> = P extends readonly []
  ? []
  : P extends readonly [infer One]
    ? [key: PartValue<One>]
    : [key: { readonly [Q in P[number] as PartName<Q>]: PartValue<Q> }];

/** The write options a TTL policy takes: a TTL that cannot be forgotten, none, or the writer's choice. */
export type TtlArgs<T extends TtlPolicy> = T extends 'required'
  ? [options: { ttlMs: number }]
  : T extends 'optional'
    ? [options?: WriteOptions]
    : [];

/**
 * T when it goes through JSON unchanged: strings, numbers, booleans, null, arrays and plain objects
 * of those; optional fields may be absent. Functions, Dates, Maps, undefined values are refused.
 */
export type JsonShaped<T> = T extends string | number | boolean | null
  ? T
  : T extends (...args: never[]) => unknown
    ? never
    : T extends (infer E)[]
      ? JsonShaped<E>[]
      : T extends readonly (infer E)[]
        ? readonly JsonShaped<E>[]
        : T extends object
          ? { [K in keyof T]: JsonShaped<T[K]> }
          : never;

/**
 * No argument when V is JsonShaped; otherwise `holding<V>()` asks for one that cannot be given,
 * so a type that would not survive the store does not compile. (A constraint `V extends
 * JsonShaped<V>` would be circular.)
 */
export type NotJson<V> = [V] extends [JsonShaped<V>] ? [] : [error: 'this type does not go through JSON unchanged'];

/** What every declaration says about itself, for people and for the namespace tests. */
export interface Declared {
  /** The module (a path under src/) that writes it; no other module names it. */
  readonly owner: string;
  /** What it holds, in words (the owner binds the TypeScript type). */
  readonly holds: string;
}

export interface KeyedDeclaration<P extends readonly Part[]> extends Declared {
  /** The key is the prefix, then each part, joined by ":" ("session:<sid>"). */
  readonly prefix: string;
  readonly parts: P;
  /**
   * What a user enrolled, or the keys: every write waits until it would survive the loss of the
   * primary (Store.confirmWrites) before the caller, and so the user, hears it is done.
   */
  readonly durable?: true;
  /**
   * A secret: with a master key (keys.masterKeyFile) its value is kept sealed (AES-256-GCM) and
   * opened as it is read (src/keys/sealed-store.ts). Only namespaces of one key (no parts).
   */
  readonly sealed?: true;
}

export interface ExpiringDeclaration<P extends readonly Part[], T extends TtlPolicy> extends KeyedDeclaration<P> {
  readonly ttlPolicy: T;
  /** How long a key lives, in words: the setting or constant its TTL comes from. */
  readonly lifetime: string;
}

export interface ValueRecord<V, P extends readonly Part[], T extends TtlPolicy> {
  key(...key: KeyArgs<P>): string;
  get(store: Store, ...key: KeyArgs<P>): Promise<V | undefined>;
  getVersioned(store: Store, ...key: KeyArgs<P>): Promise<Versioned<V> | undefined>;
  set(store: Store, ...args: [...KeyArgs<P>, value: V, ...TtlArgs<T>]): Promise<void>;
  /** True when it wrote (the key did not exist). */
  createIfAbsent(store: Store, ...args: [...KeyArgs<P>, value: V, ...TtlArgs<T>]): Promise<boolean>;
  /** True when it wrote (the key still had `version`). */
  compareAndSet(store: Store, ...args: [...KeyArgs<P>, version: number, value: V, ...TtlArgs<T>]): Promise<boolean>;
  /** Reads and deletes in one step. */
  take(store: Store, ...key: KeyArgs<P>): Promise<V | undefined>;
  delete(store: Store, ...key: KeyArgs<P>): Promise<boolean>;
  ttl(store: Store, ...key: KeyArgs<P>): Promise<number | undefined>;
}

export interface ValueNamespace<P extends readonly Part[], T extends TtlPolicy> extends ExpiringDeclaration<P, T> {
  readonly kind: 'value';
  /** The accessors, with the value type the owner keeps here. */
  holding<V>(...notJson: NotJson<V>): ValueRecord<V, P, T>;
}

export interface CounterNamespace<P extends readonly Part[]> extends ExpiringDeclaration<P, 'required'> {
  readonly kind: 'counter';
  key(...key: KeyArgs<P>): string;
  get(store: Store, ...key: KeyArgs<P>): Promise<number | undefined>;
  /** Adds `by` and returns the new count; a new counter gets the TTL, a running one keeps its own. */
  increment(store: Store, ...args: [...KeyArgs<P>, by: number, options: { ttlMs: number }]): Promise<number>;
  ttl(store: Store, ...key: KeyArgs<P>): Promise<number | undefined>;
  delete(store: Store, ...key: KeyArgs<P>): Promise<boolean>;
}

/** Indexes do not expire: their owner removes members, and skips those whose record is gone. */
export interface IndexNamespace<P extends readonly Part[]> extends KeyedDeclaration<P> {
  readonly kind: 'index';
  key(...key: KeyArgs<P>): string;
  add(store: Store, ...args: [...KeyArgs<P>, member: string]): Promise<void>;
  remove(store: Store, ...args: [...KeyArgs<P>, member: string]): Promise<void>;
  list(store: Store, ...key: KeyArgs<P>): Promise<string[]>;
}

export interface StreamRecord<V> {
  append(store: Store, data: V): Promise<StoredEvent<V>>;
  range(store: Store, query?: RangeQuery): Promise<StoredEvent<V>[]>;
  /** Drops events older than `before` (epoch ms); returns how many. */
  trim(store: Store, before: number): Promise<number>;
}

export interface StreamNamespace extends Declared {
  readonly kind: 'stream';
  readonly name: string;
  /** How long events are kept, in words. */
  readonly retention: string;
  holding<V>(...notJson: NotJson<V>): StreamRecord<V>;
}

export interface ChannelRecord<V> {
  publish(store: Store, message: V): Promise<void>;
  /** Messages may come from other nodes (with Redis): the subscriber checks what it gets. */
  subscribe(store: Store, onMessage: (message: Json) => void): Promise<Unsubscribe>;
}

export interface ChannelNamespace extends Declared {
  readonly kind: 'channel';
  readonly name: string;
  holding<V>(...notJson: NotJson<V>): ChannelRecord<V>;
}

/** Any declaration, as the namespace tests read it. */
export type Namespace =
  | (KeyedDeclaration<readonly Part[]> & { readonly kind: 'value' })
  | (KeyedDeclaration<readonly Part[]> & { readonly kind: 'counter' })
  | (KeyedDeclaration<readonly Part[]> & { readonly kind: 'index' })
  | (Declared & { readonly kind: 'stream'; readonly name: string })
  | (Declared & { readonly kind: 'channel'; readonly name: string });

/**
 * A value that JsonShaped accepted goes into the store as it is: the one place where a typed value
 * becomes Json. (Reading needs no conversion: the store hands back `Json & V`.)
 */
function asJson(value: unknown): Json {
  return value as Json;
}

function partName(part: Part): string {
  return typeof part === 'string' ? part : part.name;
}

/**
 * The accessors' arguments are typed by the interfaces above (KeyArgs, TtlArgs); here they are
 * positional: the key (one argument, or none for a namespace without parts), then the rest.
 */
function keying(prefix: string, parts: readonly Part[]) {
  const arity = parts.length === 0 ? 0 : 1;
  const keyOf = (args: readonly unknown[]): string => {
    if (arity === 0) return prefix;
    const [key] = args;
    if (parts.length === 1) return `${prefix}:${String(key)}`;
    const named = key as Readonly<Record<string, string>>;
    return `${prefix}:${parts.map((part) => named[partName(part)]).join(':')}`;
  };
  const split = (args: readonly unknown[]) => ({ key: keyOf(args), rest: args.slice(arity) });
  return { keyOf, split };
}

/** Write options as the caller gave them (TtlArgs typed them). */
const writeOptions = (options: unknown) => options as WriteOptions | undefined;

export function value<const P extends readonly Part[], const T extends TtlPolicy>(
  declared: ExpiringDeclaration<P, T>,
): ValueNamespace<P, T> {
  const { keyOf, split } = keying(declared.prefix, declared.parts);
  const confirmed = confirming(declared.durable);
  function holding<V>(): ValueRecord<V, P, T> {
    return {
      key: (...key: unknown[]) => keyOf(key),
      get: (store: Store, ...key: unknown[]) => store.get<Json & V>(keyOf(key)),
      getVersioned: (store: Store, ...key: unknown[]) => store.getVersioned<Json & V>(keyOf(key)),
      async set(store: Store, ...args: unknown[]) {
        const {
          key,
          rest: [data, options],
        } = split(args);
        await confirmed(store, store.set(key, asJson(data), writeOptions(options)));
      },
      createIfAbsent(store: Store, ...args: unknown[]) {
        const {
          key,
          rest: [data, options],
        } = split(args);
        return confirmed(store, store.createIfAbsent(key, asJson(data), writeOptions(options)));
      },
      compareAndSet(store: Store, ...args: unknown[]) {
        const {
          key,
          rest: [version, data, options],
        } = split(args);
        return confirmed(store, store.compareAndSet(key, Number(version), asJson(data), writeOptions(options)));
      },
      take: (store: Store, ...key: unknown[]) => confirmed(store, store.take<Json & V>(keyOf(key))),
      delete: (store: Store, ...key: unknown[]) => confirmed(store, store.delete(keyOf(key))),
      ttl: (store: Store, ...key: unknown[]) => store.ttl(keyOf(key)),
    };
  }
  return { ...declared, kind: 'value', holding };
}

/** For durable declarations: a write, then Store.confirmWrites(); for the others the write alone. */
function confirming(durable: true | undefined) {
  return async <R>(store: Store, write: Promise<R>): Promise<R> => {
    const result = await write;
    if (durable) await store.confirmWrites();
    return result;
  };
}

export function counter<const P extends readonly Part[]>(
  declared: ExpiringDeclaration<P, 'required'>,
): CounterNamespace<P> {
  const { keyOf, split } = keying(declared.prefix, declared.parts);
  return {
    ...declared,
    kind: 'counter',
    key: (...key: unknown[]) => keyOf(key),
    get: (store: Store, ...key: unknown[]) => store.get<number>(keyOf(key)),
    increment(store: Store, ...args: unknown[]) {
      const {
        key,
        rest: [by, options],
      } = split(args);
      return store.increment(key, Number(by), writeOptions(options));
    },
    ttl: (store: Store, ...key: unknown[]) => store.ttl(keyOf(key)),
    delete: (store: Store, ...key: unknown[]) => store.delete(keyOf(key)),
  };
}

export function index<const P extends readonly Part[]>(declared: KeyedDeclaration<P>): IndexNamespace<P> {
  const { keyOf, split } = keying(declared.prefix, declared.parts);
  const confirmed = confirming(declared.durable);
  return {
    ...declared,
    kind: 'index',
    key: (...key: unknown[]) => keyOf(key),
    async add(store: Store, ...args: unknown[]) {
      const {
        key,
        rest: [member],
      } = split(args);
      await confirmed(store, store.addToIndex(key, String(member)));
    },
    async remove(store: Store, ...args: unknown[]) {
      const {
        key,
        rest: [member],
      } = split(args);
      await confirmed(store, store.removeFromIndex(key, String(member)));
    },
    list: (store: Store, ...key: unknown[]) => store.listIndex(keyOf(key)),
  };
}

export function stream(declared: Declared & { name: string; retention: string }): StreamNamespace {
  const { name } = declared;
  function holding<V>(): StreamRecord<V> {
    return {
      async append(store, data) {
        const event = await store.append(name, asJson(data));
        return { ...event, data };
      },
      range: (store, query) => store.range<Json & V>(name, query),
      trim: (store, before) => store.trim(name, before),
    };
  }
  return { ...declared, kind: 'stream', holding };
}

export function channel(declared: Declared & { name: string }): ChannelNamespace {
  const { name } = declared;
  function holding<V>(): ChannelRecord<V> {
    return {
      publish: (store, message) => store.publish(name, asJson(message)),
      subscribe: (store, onMessage) => store.subscribe(name, onMessage),
    };
  }
  return { ...declared, kind: 'channel', holding };
}
