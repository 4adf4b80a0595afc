import path from 'node:path';
import { afterEach, beforeEach } from 'mocha';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/contract.ts';
import { tempDir } from './temp.ts';
import { createPasscodes, type Passcodes } from '../../src/methods/passcodes/passcodes.ts';

// A real SQLite store in a temp dir, and the passcode parts on it, for the unit tests here.

export const TEST_SETTINGS = {
  issuer: 'Latch',
  totpSkew: 1,
  hotpLookAhead: 10,
  hotpResyncWindow: 100,
  throttle: { maxFailures: 3, window: 60_000 },
};

export async function openTestPasscodes(): Promise<{ store: Store; passcodes: Passcodes; close(): Promise<void> }> {
  const temp = tempDir();
  const store = await openStore({
    type: 'sqlite',
    sqlite: { file: path.join(temp.dir, 's.sqlite') },
    redis: { keyPrefix: 'x:' },
  });
  return {
    store,
    passcodes: createPasscodes(store, Buffer.alloc(32, 9), TEST_SETTINGS),
    async close() {
      await store.close();
      temp.cleanup();
    },
  };
}

/** Fresh passcode parts for every test of the file: `parts.store` and `parts.passcodes` are set before each. */
export function passcodesForEachTest(): { store: Store; passcodes: Passcodes } {
  // Filled in before each test; read only inside tests.
  const parts = {} as { store: Store; passcodes: Passcodes; close(): Promise<void> };
  beforeEach(async () => {
    Object.assign(parts, await openTestPasscodes());
  });
  afterEach(() => parts.close());
  return parts;
}
