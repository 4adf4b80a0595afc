import type { Json, Store } from '../../src/store/contract.ts';

// Every call the app makes on the store, so that tests can assert how much work a hot path does.

/** Every call the app makes on the store (not the calls the store makes on itself), as "method key". */
export function recordStoreCalls(store: Store): string[] {
  const calls: string[] = [];
  let depth = 0;
  const watch =
    <A extends unknown[], R>(name: string, original: (...args: A) => R) =>
    (...args: A): R => {
      if (depth === 0) calls.push(`${name} ${String(args[0])}`);
      depth++;
      try {
        return original(...args);
      } finally {
        depth--;
      }
    };
  const s = store;
  const get = s.get.bind(s);
  s.get = <T extends Json>(key: string) => watch('get', get<T>)(key);
  const getVersioned = s.getVersioned.bind(s);
  s.getVersioned = <T extends Json>(key: string) => watch('getVersioned', getVersioned<T>)(key);
  const take = s.take.bind(s);
  s.take = <T extends Json>(key: string) => watch('take', take<T>)(key);
  s.set = watch('set', s.set.bind(s));
  s.createIfAbsent = watch('createIfAbsent', s.createIfAbsent.bind(s));
  s.compareAndSet = watch('compareAndSet', s.compareAndSet.bind(s));
  s.delete = watch('delete', s.delete.bind(s));
  s.increment = watch('increment', s.increment.bind(s));
  s.listIndex = watch('listIndex', s.listIndex.bind(s));
  s.addToIndex = watch('addToIndex', s.addToIndex.bind(s));
  return calls;
}
