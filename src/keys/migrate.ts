import path from 'node:path';
import type { LatchConfig } from '../config/schema.ts';
import type { Store } from '../store/contract.ts';
import { sealedKeys } from '../store/records.ts';
import { readSqliteFile } from '../store/sqlite-export.ts';
import { readPrivateKeyFile, readText } from './files.ts';
import { readManifest } from './manifest.ts';
import { createKeySet, readKeySet, type StoredKeySet, type StoredSigningKey } from './store-keys.ts';

// `npx latch keys migrate [--from OLD_DATA_DIR]`: moves a single-node installation to keys and
// secrets in the store, sealed under the master key, in one command:
//   1. when the store is not the old node's SQLite file: every live record and index of that file
//      is copied into it (what exists there already is left alone);
//   2. the generated signing keys of the old keys directory go into the store, with their key ids,
//      so service providers and relying parties that trust them keep working;
//   3. every secret is sealed in place (the server secret, VAPID keys, the SAML persistent-id secret).
// Running it again changes nothing.

export async function migrateToStore(config: LatchConfig, store: Store, fromDataDir: string): Promise<string[]> {
  const report: string[] = [];
  const oldFile = path.join(fromDataDir, 'latch.sqlite');
  const sameFile =
    config.store.type === 'sqlite' && path.resolve(config.store.sqlite.file ?? '') === path.resolve(oldFile);
  if (!sameFile) report.push(await copyRecords(oldFile, store));
  report.push(await moveKeys(path.join(fromDataDir, 'keys'), store));
  for (const key of sealedKeys()) {
    // Reading through the sealing store seals a secret written in the clear.
    if ((await store.getVersioned(key)) !== undefined) report.push(`${key}: sealed under the master key`);
  }
  return report;
}

async function copyRecords(file: string, store: Store): Promise<string> {
  const { values, members } = readSqliteFile(file);
  let copied = 0;
  let existing = 0;
  for (const { key, value, ttlMs } of values) {
    if (await store.createIfAbsent(key, value, ttlMs === undefined ? undefined : { ttlMs })) copied++;
    else existing++;
  }
  for (const { index, member } of members) await store.addToIndex(index, member);
  await store.confirmWrites();
  return (
    `${file}: copied ${copied} records and ${members.length} index entries into the ${store.kind} store` +
    (existing ? ` (${existing} already there, left as they were)` : '') +
    '; the authentication log stays in that file'
  );
}

async function moveKeys(dir: string, store: Store): Promise<string> {
  if (await readKeySet(store)) return 'signing keys: already in the store, left as they are';
  const manifest = await readManifest(dir);
  if (!manifest) return `signing keys: none in ${dir}; the first node to start generates them in the store`;
  const keys: StoredSigningKey[] = [];
  for (const entry of manifest.keys) {
    const { pem } = await readPrivateKeyFile(path.join(dir, entry.keyFile));
    keys.push({
      kid: entry.kid,
      alg: entry.alg,
      status: entry.status,
      createdAt: entry.createdAt,
      privateKeyPem: pem,
      ...(entry.status === 'current' ? { activatedAt: entry.createdAt } : {}),
      ...(entry.retiredAt ? { retiredAt: entry.retiredAt } : {}),
      ...(entry.certFile ? { certificatePem: await readText(path.join(dir, entry.certFile)) } : {}),
    });
  }
  const set: StoredKeySet = { version: 1, certificate: manifest.certificate, keys };
  if (!(await createKeySet(store, set)))
    return 'signing keys: another node created them in the store first; left as they are';
  return `signing keys: ${keys.length} keys of ${dir} now in the store (key ids unchanged); the directory can be archived`;
}
