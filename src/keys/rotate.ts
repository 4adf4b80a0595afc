import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { SigningAlgorithm } from './contract.ts';
import type { CertificateOptions } from './certificate.ts';
import { KeyFileError } from './errors.ts';
import { createKey } from './keydir.ts';
import { entryFor, MANIFEST_FILE, readManifest, writeManifest, type ManifestKey } from './manifest.ts';

// Rotation of the generated keys: next -> current, current -> retired, a new next. A file
// operation only: a running server keeps the keys it loaded and uses the new ones after a restart.

/** How many retired keys (per algorithm) keep their files, for verifying what they signed. */
export const RETIRED_KEPT = 2;

export interface RotationResult {
  alg: SigningAlgorithm;
  current: string;
  next: string;
  retired: string[];
  /** Kids of retired keys whose files were deleted. */
  deleted: string[];
}

/**
 * Rotates every algorithm in the keys directory. New certificates use the manifest's common name
 * and lifetime unless `certificate` overrides them (the override is then remembered).
 */
export async function rotateKeys(
  dir: string,
  certificate: Partial<CertificateOptions> = {},
): Promise<RotationResult[]> {
  const manifest = await readManifest(dir);
  const manifestFile = path.join(dir, MANIFEST_FILE);
  if (!manifest)
    throw new KeyFileError(manifestFile, 'no key manifest: start Latch once to generate keys before rotating them');
  manifest.certificate = { ...manifest.certificate, ...certificate };
  const algs = (['RS256', 'ES256'] as const).filter((alg) =>
    manifest.keys.some((key) => key.alg === alg && key.status !== 'retired'),
  );
  const now = new Date().toISOString();
  const dropped: ManifestKey[] = [];
  const results: RotationResult[] = [];
  for (const alg of algs) {
    const current = entryFor(manifest, alg, 'current');
    const next = entryFor(manifest, alg, 'next');
    if (!current || !next)
      throw new KeyFileError(
        manifestFile,
        `cannot rotate ${alg}: it has no ${current ? 'next' : 'current'} key; start Latch once to generate it`,
      );
    current.status = 'retired';
    current.retiredAt = now;
    next.status = 'current';
    const fresh = await createKey(dir, alg, 'next', manifest.certificate);
    manifest.keys.push(fresh);
    // Newest retirement first; keys created later retire later, which breaks ties.
    const retired = manifest.keys
      .filter((key) => key.alg === alg && key.status === 'retired')
      .reverse()
      .sort((a, b) => (b.retiredAt ?? b.createdAt).localeCompare(a.retiredAt ?? a.createdAt));
    const old = retired.slice(RETIRED_KEPT);
    dropped.push(...old);
    results.push({
      alg,
      current: next.kid,
      next: fresh.kid,
      retired: retired.slice(0, RETIRED_KEPT).map((k) => k.kid),
      deleted: old.map((k) => k.kid),
    });
  }
  manifest.keys = manifest.keys.filter((key) => !dropped.includes(key));
  // The manifest is switched in one rename after the new files exist; old files go last.
  await writeManifest(dir, manifest);
  for (const key of dropped) {
    for (const file of [key.keyFile, key.certFile]) if (file) await rm(path.join(dir, file), { force: true });
  }
  return results;
}
