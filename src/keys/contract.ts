import type { KeyObject } from 'node:crypto';

// Signing keys, as the protocol front ends need them. Implemented by ./keyring.ts.

export type SigningAlgorithm = 'RS256' | 'ES256';

export interface SigningKey {
  /** Key id: the JWK "kid", stable for the life of the key. */
  kid: string;
  alg: SigningAlgorithm;
  /** current signs; next is published so peers can trust it before rotation; retired is kept for verification only. */
  status: 'current' | 'next' | 'retired';
  privateKey: KeyObject;
  publicKey: KeyObject;
  privateKeyPem: string;
  /** Self-signed (or operator-provided) X.509 certificate, PEM; RSA keys always have one. */
  certificatePem?: string;
  createdAt: string;
}

export interface JsonWebKeySet {
  keys: Array<Record<string, unknown>>;
}

export interface KeyRing {
  /** The key that signs now. */
  current(alg: SigningAlgorithm): SigningKey;
  /** The key that will sign after the next rotation, if one is published. */
  next(alg: SigningAlgorithm): SigningKey | undefined;
  /** current and next, for publishing (SAML KeyDescriptors). */
  published(alg: SigningAlgorithm): SigningKey[];
  /** Public keys of every current and next key, for /jwks. */
  jwks(): JsonWebKeySet;
  /** Private JWKs of the current keys first, then next: the shape oidc-provider's `jwks` option takes. */
  privateJwks(): JsonWebKeySet;
  /**
   * Called after the keys changed (a rotation on any node, seen within seconds); keys from files
   * never change while Latch runs.
   */
  onChange(listener: () => void): void;
  /** Stops watching for changes. */
  close(): Promise<void>;
}
