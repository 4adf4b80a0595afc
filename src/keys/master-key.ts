import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { ConfigError } from '../config/load.ts';
import { readText } from './files.ts';
import { KeyFileError } from './errors.ts';

// The master key (key-encryption key): the one secret an operator gives every node
// (keys.masterKeyFile, LATCH_MASTER_KEY_FILE). Signing keys and secrets are kept in the store
// sealed under it with AES-256-GCM, the record's key as associated data, so a sealed value cannot
// be moved to another record. File: 32 random bytes, base64url, on one line, mode 0600.

const SEALED_PREFIX = 'v1';

export class MasterKey {
  readonly #key: Buffer;

  constructor(raw: Buffer) {
    if (raw.length !== 32) throw new Error(`a master key is 32 bytes, got ${raw.length}`);
    this.#key = Buffer.from(hkdfSync('sha256', raw, Buffer.alloc(0), 'latch sealed store values', 32));
  }

  /** "v1.<iv>.<ciphertext>.<tag>", base64url parts. */
  seal(plain: string, recordKey: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv).setAAD(Buffer.from(recordKey));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [
      SEALED_PREFIX,
      iv.toString('base64url'),
      body.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
    ].join('.');
  }

  /** Throws when the value was not sealed for this record under this master key. */
  open(sealed: string, recordKey: string): string {
    const [version, iv, body, tag] = sealed.split('.');
    if (version !== SEALED_PREFIX || !iv || body === undefined || !tag)
      throw new Error(`${recordKey}: not a sealed value`);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url')).setAAD(
      Buffer.from(recordKey),
    );
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** Reads the master key file; every problem names keys.masterKeyFile, the file and the fix. */
export async function readMasterKey(file: string): Promise<MasterKey> {
  const fail = (problem: string) => new ConfigError([`keys.masterKeyFile: ${file}: ${problem}`]);
  let text: string;
  try {
    const handle = await open(file, 'r');
    try {
      const mode = (await handle.stat()).mode & 0o777;
      if ((mode & 0o077) !== 0)
        throw fail(`mode ${mode.toString(8).padStart(4, '0')} lets others read it; chmod 600 ${file}`);
    } finally {
      await handle.close();
    }
    text = await readText(file);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    if (err instanceof KeyFileError) throw fail(err.problem);
    throw fail(
      `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)}); create one with: npx latch keys init-master ${file}`,
    );
  }
  const raw = Buffer.from(text.trim(), 'base64url');
  if (!/^[A-Za-z0-9_-]{43}$/.test(text.trim()) || raw.length !== 32) {
    throw fail('expected 32 bytes in base64url on one line (as `npx latch keys init-master FILE` writes)');
  }
  return new MasterKey(raw);
}

/** Writes a new master key file (0600); refuses to replace an existing one. */
export async function initMasterKey(file: string): Promise<void> {
  let handle;
  try {
    handle = await open(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new Error(
        `${file} already exists: a master key is never overwritten (the store's secrets are sealed under it)`,
      );
    }
    throw err;
  }
  try {
    await handle.chmod(0o600);
    await handle.writeFile(`${randomBytes(32).toString('base64url')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
