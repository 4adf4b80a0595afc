import { randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

// Self-signed X.509 certificates for RSA signing keys: SAML metadata publishes keys as
// certificates, and peers such as AD FS insist on one even though only its key matters.

export interface CertificateOptions {
  /** Subject and issuer CN: the host of Latch's base URL. */
  commonName: string;
  /** Validity from now, in milliseconds. */
  lifetimeMs: number;
}

/** A self-signed certificate (SHA-256 with RSA) for an RSA key pair, as PEM. */
export function createSelfSignedCertificate(
  privateKey: KeyObject,
  options: CertificateOptions,
  now = new Date(),
): string {
  const forgeKey = forge.pki.privateKeyFromPem(
    privateKey.export({ format: 'pem', type: 'pkcs1' }).toString(),
  ) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = now;
  cert.validity.notAfter = new Date(now.getTime() + options.lifetimeMs);
  const name = [{ name: 'commonName', value: options.commonName }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forgeKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n'); // forge writes CRLF
}

/** Why a certificate does not belong to a private key, or undefined when it does. */
export function certificateMismatch(certificate: X509Certificate, privateKey: KeyObject): string | undefined {
  return certificate.checkPrivateKey(privateKey)
    ? undefined
    : "the certificate's public key does not match the private key";
}

/** 16 random bytes as a positive DER integer: the top bit clear and the first byte non-zero. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}
