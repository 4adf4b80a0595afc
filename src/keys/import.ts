import { createPublicKey } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { ConfigError } from '../config/load.ts';
import type { LatchConfig } from '../config/schema.ts';
import type { SigningAlgorithm, SigningKey } from './contract.ts';
import { certificateMismatch } from './certificate.ts';
import { KeyFileError } from './errors.ts';
import { readCertificateFile, readPrivateKeyFile } from './files.ts';
import { keyMismatch } from './generate.ts';
import { jwkThumbprint } from './jwk.ts';

// Operator-provided signing keys (config keys.rsa / keys.ec): read where they are, checked, never
// rewritten. Each replaces the generated keys of its algorithm; the operator rotates it.

type KeyImport = NonNullable<LatchConfig['keys']['rsa']>;

/** Loads an imported key; every problem is a ConfigError naming the config key and the file. */
export async function importKey(alg: SigningAlgorithm, files: KeyImport): Promise<SigningKey> {
  const configKey = alg === 'RS256' ? 'keys.rsa' : 'keys.ec';
  const fail = (key: string, file: string, problem: string) =>
    new ConfigError([`${configKey}.${key}: ${file}: ${problem}`]);
  if (alg === 'RS256' && !files.certFile) {
    throw new ConfigError([
      `${configKey}.certFile: required with ${configKey}.keyFile (SAML metadata publishes an RSA key as a certificate)`,
    ]);
  }
  const { key: privateKey, pem } = await asConfigError(
    () => readPrivateKeyFile(files.keyFile, 'no-other-access'),
    'keyFile',
    fail,
  );
  const mismatch = keyMismatch(privateKey, alg);
  if (mismatch) throw fail('keyFile', files.keyFile, mismatch);
  const publicKey = createPublicKey(privateKey);
  const key: SigningKey = {
    kid: jwkThumbprint(publicKey),
    alg,
    status: 'current',
    privateKey,
    publicKey,
    privateKeyPem: pem,
    createdAt: '',
  };
  if (files.certFile) {
    const certFile = files.certFile;
    const certificate = await asConfigError(() => readCertificateFile(certFile), 'certFile', fail);
    const wrong = certificateMismatch(certificate, privateKey);
    if (wrong) throw fail('certFile', certFile, `${wrong} in ${files.keyFile} (${configKey}.keyFile)`);
    key.certificatePem = certificate.toString();
    key.createdAt = new Date(certificate.validFrom).toISOString();
  } else {
    key.createdAt = (await stat(files.keyFile)).mtime.toISOString();
  }
  return key;
}

async function asConfigError<T>(
  read: () => Promise<T>,
  key: string,
  fail: (key: string, file: string, problem: string) => ConfigError,
): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof KeyFileError) throw fail(key, err.file, err.problem);
    throw err;
  }
}
