import type { Logger } from 'pino';
import type { LatchConfig } from '../config/schema.ts';
import type { MessageRelay, Store } from '../store/contract.ts';
import { openStore } from '../store/index.ts';
import type { KeyRing, SigningAlgorithm, SigningKey } from './contract.ts';
import { importKey } from './import.ts';
import { loadGeneratedKeys } from './keydir.ts';
import { LoadedKeyRing } from './keyring.ts';
import { readMasterKey } from './master-key.ts';
import { sealSecrets } from './sealed-store.ts';
import { StoreKeyRing } from './store-keyring.ts';

export type { JsonWebKeySet, KeyRing, SigningAlgorithm, SigningKey } from './contract.ts';
export { KeyFileError } from './errors.ts';
export { rotateKeys, type RotationResult } from './rotate.ts';

/**
 * The store as Latch uses it: with a master key (keys.masterKeyFile), the secrets in it are sealed
 * under that key (sealed-store.ts). The server and every CLI command that reads secrets open it so.
 */
export async function openLatchStore(config: LatchConfig, log?: Logger, relay?: MessageRelay): Promise<Store> {
  const master = config.keys.masterKeyFile ? await readMasterKey(config.keys.masterKeyFile) : undefined;
  const store = await openStore(config.store, log, relay);
  return master ? sealSecrets(store, master) : store;
}

/**
 * Loads the signing keys: operator-provided ones (keys.rsa, keys.ec) where configured, otherwise
 * generated ones. With a master key those live in the store (shared by every node, created by the
 * first, rotated on every node within seconds: StoreKeyRing); without one, in keys.dir (one node;
 * after `latch keys rotate`, restart it). Throws a ConfigError or KeyFileError naming the file
 * when a key cannot be used.
 */
export async function loadKeyRing(
  config: LatchConfig['keys'],
  baseUrl: string,
  store?: Store,
  log?: Logger,
): Promise<KeyRing> {
  if (!config.dir) throw new Error('keys.dir is not set: pass the configuration returned by loadConfig()');
  const imports = { RS256: config.rsa, ES256: config.ec };
  const imported: SigningKey[] = [];
  const generated: SigningAlgorithm[] = [];
  for (const alg of ['RS256', 'ES256'] as const) {
    const files = imports[alg];
    if (files) imported.push(await importKey(alg, files));
    else generated.push(alg);
  }
  const certificate = {
    commonName: new URL(baseUrl).hostname.replace(/^\[|\]$/g, ''),
    lifetimeMs: config.certificateLifetime,
  };
  if (config.masterKeyFile && store) {
    const { interval, publishAhead } = config.rotation;
    return StoreKeyRing.open({
      store,
      algs: generated,
      imported,
      certificate,
      refreshMs: config.refreshInterval,
      log,
      ...(interval ? { rotation: { intervalMs: interval, publishAheadMs: publishAhead } } : {}),
    });
  }
  const keys = [...imported];
  if (generated.length > 0) keys.push(...(await loadGeneratedKeys(config.dir, generated, certificate)));
  return new LoadedKeyRing(keys);
}
