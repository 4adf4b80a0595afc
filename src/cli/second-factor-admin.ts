import type { DirectoryUser } from '../directory/contract.ts';
import type { LatchConfig } from '../config/schema.ts';
import { createPasscodes, type Passcodes } from '../methods/passcodes/passcodes.ts';
import { loadServerSecret } from '../keys/server-secret.ts';
import { createLogger } from '../ops/logger.ts';
import { openDirectory } from '../services.ts';
import { table } from './table.ts';
import { openLatchStore } from '../keys/index.ts';

// What the second-factor commands work on: the store a running Latch uses (SQLite file or Redis),
// the directory that names the users, and the passcode parts built like the server builds them.

export interface AdminContext {
  passcodes: Passcodes;
  /** The directory user with this login name; throws a clear error when there is none. */
  user(name: string): Promise<DirectoryUser>;
  /** A user's login name for listings (the id when the directory no longer has the user). */
  userName(id: string): Promise<string>;
}

export async function withSecondFactors<T>(config: LatchConfig, body: (ctx: AdminContext) => Promise<T>): Promise<T> {
  const log = createLogger('silent');
  const store = await openLatchStore(config, log);
  try {
    const directory = await openDirectory(config, log);
    try {
      const passcodes = createPasscodes(store, await loadServerSecret(store), config.passcodes);
      return await body({
        passcodes,
        async user(name) {
          const user = await directory.findUser(name);
          if (!user) throw new Error(`there is no user "${name}" in the ${directory.kind} directory`);
          return user;
        },
        async userName(id) {
          return (await directory.findUserById(id))?.username ?? `(user id ${id})`;
        },
      });
    } finally {
      await directory.close();
    }
  } finally {
    await store.close();
  }
}

/** "2026-11-23 14:05 UTC". */
export function when(ms: number | undefined): string {
  return ms === undefined ? '-' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
