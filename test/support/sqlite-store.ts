import path from 'node:path';
import type { Store } from '../../src/store/contract.ts';
import { openStore } from '../../src/store/index.ts';
import { tempDir } from './temp.ts';

/** A real SQLite store in a fresh temp dir; `close` closes it and removes the dir. */
export async function tempSqliteStore(): Promise<{ store: Store; close(): Promise<void> }> {
  const temp = tempDir();
  const store = await openStore({
    type: 'sqlite',
    sqlite: { file: path.join(temp.dir, 's.sqlite') },
    redis: { keyPrefix: '' },
  });
  return {
    store,
    close: async () => {
      await store.close();
      temp.cleanup();
    },
  };
}
