import type { Logger } from 'pino';
import type { Store, Unsubscribe } from '../store/contract.ts';
import { records } from '../store/records.ts';
import type { JsonWebKeySet, KeyRing, SigningAlgorithm, SigningKey } from './contract.ts';
import type { CertificateOptions } from './certificate.ts';
import { LoadedKeyRing } from './keyring.ts';
import { loadOrCreateKeySet, publishedKeys, readKeySet, rotateStoredKeys, type StoredKeySet } from './store-keys.ts';

// The signing keys of a node in a cluster: read from the store, and read again when any node
// announces a rotation (publish/subscribe) and every `refreshMs` besides (a node that missed the
// message, e.g. while the database failed over, still catches up within that time). With a
// rotation schedule, the same timer rotates when it is due; compare-and-set makes one node win.

const changes = records.signingKeysChanged.holding<{ rotatedAt: string }>();

export interface StoreKeyRingOptions {
  store: Store;
  /** Algorithms whose keys come from the store (the others are imported from files). */
  algs: SigningAlgorithm[];
  imported: SigningKey[];
  certificate: CertificateOptions;
  refreshMs: number;
  rotation?: { intervalMs: number; publishAheadMs: number };
  log?: Logger;
}

/** Tells every node that the keys changed (after `latch keys rotate` or a scheduled rotation). */
export async function announceRotation(store: Store): Promise<void> {
  await changes.publish(store, { rotatedAt: new Date().toISOString() });
}

export class StoreKeyRing implements KeyRing {
  #ring: LoadedKeyRing;
  #seen: string;
  readonly #listeners = new Set<() => void>();
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: Unsubscribe | undefined;
  #checking: Promise<void> | undefined;

  private constructor(
    private readonly options: StoreKeyRingOptions,
    set: StoredKeySet,
  ) {
    this.#ring = this.#build(set);
    this.#seen = fingerprint(set);
  }

  static async open(options: StoreKeyRingOptions): Promise<StoreKeyRing> {
    const set =
      options.algs.length > 0
        ? await loadOrCreateKeySet(options.store, options.algs, options.certificate)
        : emptySet(options.certificate);
    const ring = new StoreKeyRing(options, set);
    if (options.algs.length === 0) return ring;
    ring.#unsubscribe = await changes.subscribe(options.store, () => void ring.check());
    ring.#timer = setInterval(() => void ring.check(), options.refreshMs);
    ring.#timer.unref();
    return ring;
  }

  current(alg: SigningAlgorithm): SigningKey {
    return this.#ring.current(alg);
  }

  next(alg: SigningAlgorithm): SigningKey | undefined {
    return this.#ring.next(alg);
  }

  published(alg: SigningAlgorithm): SigningKey[] {
    return this.#ring.published(alg);
  }

  jwks(): JsonWebKeySet {
    return this.#ring.jwks();
  }

  privateJwks(): JsonWebKeySet {
    return this.#ring.privateJwks();
  }

  onChange(listener: () => void): void {
    this.#listeners.add(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#unsubscribe?.();
    await this.#checking;
  }

  /** Rotates when the schedule says so, then reads the keys again; one check at a time. */
  check(): Promise<void> {
    this.#checking ??= this.#check().finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  async #check(): Promise<void> {
    const { store, rotation, log } = this.options;
    try {
      if (rotation) {
        const rotated = await rotateStoredKeys(store, { due: rotation });
        if (rotated) {
          log?.info({ rotated }, 'scheduled rotation of the signing keys');
          await announceRotation(store);
        }
      }
      const set = await readKeySet(store);
      if (!set || fingerprint(set) === this.#seen) return;
      this.#ring = this.#build(set);
      this.#seen = fingerprint(set);
      log?.info(
        { current: this.options.algs.map((alg) => this.#ring.current(alg).kid) },
        'signing keys changed; now signing with the new current keys',
      );
      for (const listener of this.#listeners) listener();
    } catch (err) {
      log?.warn({ err }, 'could not read the signing keys from the store; keeping the ones in use');
    }
  }

  #build(set: StoredKeySet): LoadedKeyRing {
    return new LoadedKeyRing([...this.options.imported, ...publishedKeys(set, this.options.algs)]);
  }
}

function fingerprint(set: StoredKeySet): string {
  return set.keys
    .filter((k) => k.status !== 'retired')
    .map((k) => `${k.kid}:${k.status}`)
    .sort()
    .join(',');
}

function emptySet(certificate: CertificateOptions): StoredKeySet {
  return { version: 1, certificate, keys: [] };
}
