import { createPrivateKey, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { KeyFileError } from './errors.ts';

// Reading and writing key material on disk. Private keys are written 0600 through a temp file
// and a rename, so a crash never leaves a half-written key behind a name the manifest points to.

export const PRIVATE_FILE_MODE = 0o600;

/** Creates the keys directory (0700) if it does not exist. */
export async function ensureKeyDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** Writes a file atomically: a temp file in the same directory, fsynced, then renamed over the name. */
export async function writeFileAtomic(file: string, content: string, mode: number): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode); // the umask may have narrowed it; never widened
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** Which permission bits a private key file may have beyond its owner's read/write. */
export type PermissionRule = 'owner-only' | 'no-other-access';

/**
 * Reads a PEM private key, refusing a file that others could read or change. Generated keys must be
 * 0600 or tighter ('owner-only'); an operator's file may also be group-readable ('no-other-access'),
 * as with Debian's ssl-cert group.
 */
export async function readPrivateKeyFile(
  file: string,
  rule: PermissionRule = 'owner-only',
): Promise<{ key: KeyObject; pem: string }> {
  const mode = (await statOrFail(file)).mode & 0o777;
  const forbidden = rule === 'owner-only' ? 0o177 : 0o137;
  if ((mode & forbidden) !== 0) {
    const expected =
      rule === 'owner-only'
        ? '0600 (read/write for its owner only)'
        : '0600 or 0640 (no access for others, no group write)';
    throw new KeyFileError(
      file,
      `private key file has mode ${octal(mode)}; expected ${expected}. Fix it with: chmod 600 ${file}`,
    );
  }
  const pem = await readText(file);
  if (pem.includes('ENCRYPTED')) {
    throw new KeyFileError(
      file,
      'encrypted private keys are not supported; store it unencrypted with mode 0600 (openssl pkey -in FILE -out FILE.plain)',
    );
  }
  try {
    return { key: createPrivateKey(pem), pem };
  } catch (err) {
    throw new KeyFileError(file, `not a readable PEM private key (${(err as Error).message})`);
  }
}

/** Reads a PEM X.509 certificate (the first one, when the file holds a chain). */
export async function readCertificateFile(file: string): Promise<X509Certificate> {
  const pem = await readText(file);
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new KeyFileError(file, `not a readable PEM certificate (${(err as Error).message})`);
  }
}

export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new KeyFileError(file, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

async function statOrFail(file: string) {
  try {
    return await stat(file);
  } catch (err) {
    throw new KeyFileError(file, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}
