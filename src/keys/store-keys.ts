import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { Store } from '../store/contract.ts';
import { records } from '../store/records.ts';
import type { SigningAlgorithm, SigningKey } from './contract.ts';
import { createSelfSignedCertificate, type CertificateOptions } from './certificate.ts';
import { generateSigningKeyPair } from './generate.ts';
import { jwkThumbprint } from './jwk.ts';
import { RETIRED_KEPT, type RotationResult } from './rotate.ts';

// Generated signing keys kept in the store (sealed under the master key by sealed-store.ts), one
// record for the whole set, so that every node signs with the same keys. The first node creates
// it (create-if-absent: two nodes starting at once end up with the one that was written first);
// rotation replaces it by compare-and-set, so two rotations at once make one.

export interface StoredSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  status: 'current' | 'next' | 'retired';
  createdAt: string;
  /** When it became current (for scheduled rotation). */
  activatedAt?: string;
  retiredAt?: string;
  privateKeyPem: string;
  certificatePem?: string;
}

export interface StoredKeySet {
  version: 1;
  /** What certificates of keys generated later (at rotation) are made with. */
  certificate: CertificateOptions;
  keys: StoredSigningKey[];
}

const keySets = records.signingKeys.holding<StoredKeySet>();

export async function newStoredKey(
  alg: SigningAlgorithm,
  status: StoredSigningKey['status'],
  certificate: CertificateOptions,
  now = new Date(),
): Promise<StoredSigningKey> {
  const { privateKey, publicKey } = await generateSigningKeyPair(alg);
  const key: StoredSigningKey = {
    kid: jwkThumbprint(publicKey),
    alg,
    status,
    createdAt: now.toISOString(),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
  if (status === 'current') key.activatedAt = key.createdAt;
  if (alg === 'RS256') key.certificatePem = createSelfSignedCertificate(privateKey, certificate, now);
  return key;
}

/** The key set, created (a current and a next key per algorithm) or completed when needed. */
export async function loadOrCreateKeySet(
  store: Store,
  algs: SigningAlgorithm[],
  certificate: CertificateOptions,
): Promise<StoredKeySet> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = await keySets.getVersioned(store);
    const set = found?.value ?? { version: 1 as const, certificate, keys: [] };
    const missing = algs.flatMap((alg) =>
      (['current', 'next'] as const).filter((status) => !find(set, alg, status)).map((status) => ({ alg, status })),
    );
    if (missing.length === 0) return set;
    for (const { alg, status } of missing) set.keys.push(await newStoredKey(alg, status, set.certificate));
    const written = found
      ? await keySets.compareAndSet(store, found.version, set)
      : await keySets.createIfAbsent(store, set);
    if (written) return set;
    // Another node wrote first: use (or complete) what it wrote.
  }
  throw new Error('could not create the signing keys in the store: it changed five times in a row');
}

export async function readKeySet(store: Store): Promise<StoredKeySet | undefined> {
  return keySets.get(store);
}

/** Writes a key set (the migration from a keys directory); false when the store already has one. */
export async function createKeySet(store: Store, set: StoredKeySet): Promise<boolean> {
  return keySets.createIfAbsent(store, set);
}

export interface RotateOptions {
  /** Rotate only when the current key has signed this long and the next one was published this long. */
  due?: { intervalMs: number; publishAheadMs: number };
  now?: Date;
}

/**
 * Next becomes current, current retired (the newest RETIRED_KEPT kept), and a new next key per
 * algorithm. Undefined when `due` says it is not time yet (or another node just did it).
 */
export async function rotateStoredKeys(
  store: Store,
  options: RotateOptions = {},
): Promise<RotationResult[] | undefined> {
  const now = options.now ?? new Date();
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = await keySets.getVersioned(store);
    if (!found)
      throw new Error('no signing keys in the store yet: start Latch once (with keys.masterKeyFile) before rotating');
    const set = found.value;
    if (options.due && !rotationDue(set, options.due, now)) return undefined;
    const results = await rotateSet(set, now);
    if (await keySets.compareAndSet(store, found.version, set)) return results;
    if (options.due) return undefined; // another node rotated at the same moment
  }
  throw new Error('could not rotate the signing keys: they changed five times in a row');
}

function rotationDue(set: StoredKeySet, due: NonNullable<RotateOptions['due']>, now: Date): boolean {
  const algs = algorithms(set);
  return (
    algs.length > 0 &&
    algs.every((alg) => {
      const current = find(set, alg, 'current');
      const next = find(set, alg, 'next');
      if (!current || !next) return false;
      const since = Date.parse(current.activatedAt ?? current.createdAt);
      return (
        now.getTime() - since >= due.intervalMs && now.getTime() - Date.parse(next.createdAt) >= due.publishAheadMs
      );
    })
  );
}

async function rotateSet(set: StoredKeySet, now: Date): Promise<RotationResult[]> {
  const results: RotationResult[] = [];
  const dropped = new Set<StoredSigningKey>();
  for (const alg of algorithms(set)) {
    const current = find(set, alg, 'current');
    const next = find(set, alg, 'next');
    if (!current || !next) throw new Error(`cannot rotate ${alg}: it has no ${current ? 'next' : 'current'} key`);
    current.status = 'retired';
    current.retiredAt = now.toISOString();
    next.status = 'current';
    next.activatedAt = now.toISOString();
    const fresh = await newStoredKey(alg, 'next', set.certificate, now);
    set.keys.push(fresh);
    const retired = set.keys
      .filter((k) => k.alg === alg && k.status === 'retired')
      .reverse()
      .sort((a, b) => (b.retiredAt ?? b.createdAt).localeCompare(a.retiredAt ?? a.createdAt));
    for (const old of retired.slice(RETIRED_KEPT)) dropped.add(old);
    results.push({
      alg,
      current: next.kid,
      next: fresh.kid,
      retired: retired.slice(0, RETIRED_KEPT).map((k) => k.kid),
      deleted: retired.slice(RETIRED_KEPT).map((k) => k.kid),
    });
  }
  set.keys = set.keys.filter((key) => !dropped.has(key));
  return results;
}

/** The current and next keys of a set, for a KeyRing. */
export function publishedKeys(set: StoredKeySet, algs: SigningAlgorithm[]): SigningKey[] {
  return set.keys
    .filter((key) => key.status !== 'retired' && algs.includes(key.alg))
    .map((key) => {
      const privateKey = createPrivateKey(key.privateKeyPem);
      return {
        kid: key.kid,
        alg: key.alg,
        status: key.status,
        privateKey,
        publicKey: createPublicKey(privateKey),
        privateKeyPem: key.privateKeyPem,
        createdAt: key.createdAt,
        ...(key.certificatePem ? { certificatePem: key.certificatePem } : {}),
      };
    });
}

function algorithms(set: StoredKeySet): SigningAlgorithm[] {
  return (['RS256', 'ES256'] as const).filter((alg) =>
    set.keys.some((key) => key.alg === alg && key.status !== 'retired'),
  );
}

function find(
  set: StoredKeySet,
  alg: SigningAlgorithm,
  status: StoredSigningKey['status'],
): StoredSigningKey | undefined {
  return set.keys.find((key) => key.alg === alg && key.status === status);
}
