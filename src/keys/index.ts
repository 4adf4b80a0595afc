import type { LatchConfig } from '../config/schema.ts';
import type { KeyRing, SigningAlgorithm, SigningKey } from './contract.ts';
import { importKey } from './import.ts';
import { loadGeneratedKeys } from './keydir.ts';
import { LoadedKeyRing } from './keyring.ts';

export type { JsonWebKeySet, KeyRing, SigningAlgorithm, SigningKey } from './contract.ts';
export { KeyFileError } from './errors.ts';
export { rotateKeys, type RotationResult } from './rotate.ts';

/**
 * Loads the signing keys: operator-provided ones (keys.rsa, keys.ec) where configured, otherwise
 * the generated keys in keys.dir, generated on first start (a current and a next key per
 * algorithm). Throws a ConfigError or KeyFileError naming the file when a key cannot be used.
 * Keys are read once: after `latch keys rotate` (rotateKeys), restart the server to use them.
 */
export async function loadKeyRing(config: LatchConfig['keys'], baseUrl: string): Promise<KeyRing> {
  if (!config.dir) throw new Error('keys.dir is not set: pass the configuration returned by loadConfig()');
  const imports = { RS256: config.rsa, ES256: config.ec };
  const keys: SigningKey[] = [];
  const generated: SigningAlgorithm[] = [];
  for (const alg of ['RS256', 'ES256'] as const) {
    const files = imports[alg];
    if (files) keys.push(await importKey(alg, files));
    else generated.push(alg);
  }
  if (generated.length > 0) {
    const certificate = { commonName: new URL(baseUrl).hostname.replace(/^\[|\]$/g, ''), lifetimeMs: config.certificateLifetime };
    keys.push(...(await loadGeneratedKeys(config.dir, generated, certificate)));
  }
  return new LoadedKeyRing(keys);
}
