import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

// A throwaway RSA key and self-signed certificate for SAML tests.

export interface TestKey {
  privateKeyPem: string;
  certificatePem: string;
}

export function makeTestKey(commonName = 'test'): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  const attrs = [{ name: 'commonName', value: commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
  return { privateKeyPem, certificatePem: forge.pki.certificateToPem(cert) };
}

/** A KeyRing-shaped signing key for SAML tests. */
export function makeSigningKey(
  kid = 'test-key',
  status: 'current' | 'next' = 'current',
): import('../../src/keys/contract.ts').SigningKey {
  const key = makeTestKey(kid);
  const privateKey = createPrivateKey(key.privateKeyPem);
  return {
    kid,
    alg: 'RS256',
    status,
    privateKey,
    publicKey: createPublicKey(privateKey),
    privateKeyPem: key.privateKeyPem,
    certificatePem: key.certificatePem,
    createdAt: new Date().toISOString(),
  };
}
