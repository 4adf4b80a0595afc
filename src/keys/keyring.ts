import type { JsonWebKeySet, KeyRing, SigningAlgorithm, SigningKey } from './contract.ts';
import { privateJwk, publicJwk } from './jwk.ts';

/** A KeyRing over loaded keys: a current key per algorithm, and maybe a next one. */
export class LoadedKeyRing implements KeyRing {
  readonly #keys: SigningKey[];

  /** `keys` holds one current key per algorithm and at most one next key per algorithm. */
  constructor(keys: SigningKey[]) {
    // Current keys first: oidc-provider signs with the first key of an algorithm.
    this.#keys = [...keys.filter((k) => k.status === 'current'), ...keys.filter((k) => k.status === 'next')];
    for (const alg of ['RS256', 'ES256'] as const) this.current(alg);
  }

  current(alg: SigningAlgorithm): SigningKey {
    const key = this.#find(alg, 'current');
    if (!key) throw new Error(`no current ${alg} signing key`);
    return key;
  }

  next(alg: SigningAlgorithm): SigningKey | undefined {
    return this.#find(alg, 'next');
  }

  published(alg: SigningAlgorithm): SigningKey[] {
    return this.#keys.filter((key) => key.alg === alg);
  }

  jwks(): JsonWebKeySet {
    return { keys: this.#keys.map(publicJwk) };
  }

  privateJwks(): JsonWebKeySet {
    return { keys: this.#keys.map(privateJwk) };
  }

  onChange(): void {}

  async close(): Promise<void> {}

  #find(alg: SigningAlgorithm, status: SigningKey['status']): SigningKey | undefined {
    return this.#keys.find((key) => key.alg === alg && key.status === status);
  }
}
