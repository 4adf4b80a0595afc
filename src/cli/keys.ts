import type { LatchConfig } from '../config/schema.ts';
import { openLatchStore, rotateKeys } from '../keys/index.ts';
import { initMasterKey } from '../keys/master-key.ts';
import { migrateToStore } from '../keys/migrate.ts';
import { rotateStoredKeys } from '../keys/store-keys.ts';
import { announceRotation } from '../keys/store-keyring.ts';
import type { RotationResult } from '../keys/rotate.ts';

// `latch keys …`: the master key, rotation, and moving a single node's keys into the store.

export async function initMaster(file: string | undefined): Promise<string> {
  if (!file) throw new Error('missing FILE: npx latch keys init-master /etc/latch/master.key');
  await initMasterKey(file);
  return (
    `Wrote a new master key to ${file} (mode 0600). Give the same file to every node as keys.masterKeyFile ` +
    '(or LATCH_MASTER_KEY_FILE), and keep a copy somewhere safe: without it the keys in the store cannot be read.'
  );
}

export async function rotate(config: LatchConfig): Promise<string> {
  if (!config.keys.masterKeyFile) {
    const results = await rotateKeys(config.keys.dir!);
    return `${describe(results)}\nRestart Latch to sign with the new current key.`;
  }
  const store = await openLatchStore(config);
  try {
    const results = await rotateStoredKeys(store);
    await announceRotation(store);
    return `${describe(results ?? [])}\nEvery running node signs with the new current key within seconds (keys.refreshInterval at most).`;
  } finally {
    await store.close();
  }
}

export async function migrate(config: LatchConfig, from: string | undefined): Promise<string> {
  if (!config.keys.masterKeyFile) {
    throw new Error(
      'keys.masterKeyFile is not set: create one with `npx latch keys init-master FILE` and set it ' +
        '(or LATCH_MASTER_KEY_FILE) before moving keys into the store',
    );
  }
  const store = await openLatchStore(config);
  try {
    const report = await migrateToStore(config, store, from ?? config.dataDir);
    return [...report, 'Done: start every node with this configuration.'].join('\n');
  } finally {
    await store.close();
  }
}

function describe(results: RotationResult[]): string {
  return results.map((r) => `${r.alg}: current ${r.current}, next ${r.next}`).join('\n');
}
