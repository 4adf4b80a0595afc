import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { KeyObject } from 'node:crypto';
import type { SigningAlgorithm } from './contract.ts';

const generate = promisify(generateKeyPair);

/** A fresh key pair for an algorithm: RSA-2048 for RS256, P-256 for ES256. */
export async function generateSigningKeyPair(
  alg: SigningAlgorithm,
): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  if (alg === 'RS256') return generate('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  return generate('ec', { namedCurve: 'prime256v1' });
}

/** Why a key cannot sign with an algorithm, or undefined when it fits (RSA >= 2048 bits, EC P-256). */
export function keyMismatch(privateKey: KeyObject, alg: SigningAlgorithm): string | undefined {
  const type = privateKey.asymmetricKeyType;
  const details = privateKey.asymmetricKeyDetails ?? {};
  if (alg === 'RS256') {
    if (type !== 'rsa') return `expected an RSA private key, got ${describe(privateKey)}`;
    if ((details.modulusLength ?? 0) < 2048)
      return `expected an RSA key of at least 2048 bits, got ${details.modulusLength} bits`;
    return undefined;
  }
  if (type !== 'ec' || details.namedCurve !== 'prime256v1')
    return `expected an EC private key on curve P-256, got ${describe(privateKey)}`;
  return undefined;
}

function describe(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return `an RSA key (${details.modulusLength} bits)`;
  if (key.asymmetricKeyType === 'ec') return `an EC key (curve ${details.namedCurve})`;
  return `a ${key.asymmetricKeyType ?? 'unknown'} key`;
}
