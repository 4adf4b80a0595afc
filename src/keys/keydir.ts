import { createPublicKey } from 'node:crypto';
import path from 'node:path';
import type { SigningAlgorithm, SigningKey } from './contract.ts';
import { certificateMismatch, createSelfSignedCertificate, type CertificateOptions } from './certificate.ts';
import { KeyFileError } from './errors.ts';
import { ensureKeyDir, PRIVATE_FILE_MODE, readCertificateFile, readPrivateKeyFile, writeFileAtomic } from './files.ts';
import { generateSigningKeyPair, keyMismatch } from './generate.ts';
import { jwkThumbprint } from './jwk.ts';
import { entryFor, readManifest, writeManifest, type Manifest, type ManifestKey } from './manifest.ts';

// The keys directory: generated keys, their certificates and the manifest that says which is which.

/**
 * Loads the current and next keys of each algorithm from the keys directory, first generating
 * whatever is missing (on first start: a current and a next key per algorithm). Existing keys are
 * loaded unchanged.
 */
export async function loadGeneratedKeys(
  dir: string,
  algs: SigningAlgorithm[],
  certificate: CertificateOptions,
): Promise<SigningKey[]> {
  await ensureKeyDir(dir);
  const manifest = (await readManifest(dir)) ?? { version: 1 as const, certificate, keys: [] };
  let changed = false;
  for (const alg of algs) {
    for (const status of ['current', 'next'] as const) {
      if (entryFor(manifest, alg, status)) continue;
      manifest.keys.push(await createKey(dir, alg, status, manifest.certificate));
      changed = true;
    }
  }
  if (changed) await writeManifest(dir, manifest);
  return loadPublished(dir, manifest, algs);
}

/** Generates a key pair (and, for RSA, its certificate), writes its files and returns its manifest entry. */
export async function createKey(
  dir: string,
  alg: SigningAlgorithm,
  status: ManifestKey['status'],
  certificate: CertificateOptions,
): Promise<ManifestKey> {
  const { privateKey, publicKey } = await generateSigningKeyPair(alg);
  const kid = jwkThumbprint(publicKey);
  const entry: ManifestKey = { kid, alg, status, createdAt: new Date().toISOString(), keyFile: `${kid}.key.pem` };
  await writeFileAtomic(
    path.join(dir, entry.keyFile),
    privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    PRIVATE_FILE_MODE,
  );
  if (alg === 'RS256') {
    entry.certFile = `${kid}.crt.pem`;
    await writeFileAtomic(path.join(dir, entry.certFile), createSelfSignedCertificate(privateKey, certificate), 0o644);
  }
  return entry;
}

async function loadPublished(dir: string, manifest: Manifest, algs: SigningAlgorithm[]): Promise<SigningKey[]> {
  const keys: SigningKey[] = [];
  for (const status of ['current', 'next'] as const) {
    for (const alg of algs) {
      const entry = entryFor(manifest, alg, status);
      if (entry) keys.push(await loadKey(dir, entry));
    }
  }
  return keys;
}

/** Reads one generated key and checks that it is the key the manifest names. */
async function loadKey(dir: string, entry: ManifestKey): Promise<SigningKey> {
  const keyFile = path.join(dir, entry.keyFile);
  const { key: privateKey, pem } = await readPrivateKeyFile(keyFile);
  const mismatch = keyMismatch(privateKey, entry.alg);
  if (mismatch) throw new KeyFileError(keyFile, `${mismatch} (the manifest lists it as ${entry.alg})`);
  const publicKey = createPublicKey(privateKey);
  const kid = jwkThumbprint(publicKey);
  if (kid !== entry.kid) throw new KeyFileError(keyFile, `holds key ${kid}, but the manifest expects key ${entry.kid}`);
  const key: SigningKey = {
    kid,
    alg: entry.alg,
    status: entry.status,
    privateKey,
    publicKey,
    privateKeyPem: pem,
    createdAt: entry.createdAt,
  };
  if (entry.certFile) {
    const certFile = path.join(dir, entry.certFile);
    const certificate = await readCertificateFile(certFile);
    const wrong = certificateMismatch(certificate, privateKey);
    if (wrong) throw new KeyFileError(certFile, `${wrong} in ${keyFile}`);
    key.certificatePem = certificate.toString();
  } else if (entry.alg === 'RS256') {
    throw new KeyFileError(path.join(dir, 'keys.json'), `corrupt key manifest: RSA key ${entry.kid} has no certFile`);
  }
  return key;
}
