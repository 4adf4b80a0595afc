import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import type { SigningKey } from './contract.ts';

// JSON Web Keys of our signing keys: the key id (RFC 7638 thumbprint) and the public and private
// forms published in /jwks and handed to oidc-provider.

/** Members RFC 7638 hashes, per key type, in the lexicographic order it requires. */
const THUMBPRINT_MEMBERS: Record<string, string[]> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
};

/** The RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key: our key id. */
export function jwkThumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)];
  if (!members) throw new Error(`cannot compute a thumbprint for key type ${String(jwk.kty)}`);
  const canonical = JSON.stringify(Object.fromEntries(members.map((name) => [name, jwk[name]])));
  return createHash('sha256').update(canonical).digest('base64url');
}

/** The public JWK of a signing key, with x5c when it has a certificate. */
export function publicJwk(key: SigningKey): Record<string, unknown> {
  return toJwk(key, key.publicKey.export({ format: 'jwk' }));
}

/** The private JWK of a signing key, in the form oidc-provider's `jwks` option takes. */
export function privateJwk(key: SigningKey): Record<string, unknown> {
  return toJwk(key, key.privateKey.export({ format: 'jwk' }));
}

function toJwk(key: SigningKey, exported: JsonWebKey): Record<string, unknown> {
  const { kty, ...members } = exported;
  const jwk: Record<string, unknown> = { kty, kid: key.kid, alg: key.alg, use: 'sig', ...members };
  // x5c holds standard (not url-safe) base64 of the DER certificate.
  if (key.certificatePem) jwk.x5c = [new X509Certificate(key.certificatePem).raw.toString('base64')];
  return jwk;
}
