import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

// Passcode secrets at rest (authenticator apps, OATH tokens, the Latch Authenticator's passcodes): AES-256-GCM under a key derived (HKDF-SHA256) from the server secret,
// with the credential id as associated data, so a secret cannot be moved to another record.
// Sealed form: "v1.<iv>.<ciphertext>.<tag>", base64url parts.

export class SecretBox {
  private readonly key: Buffer;

  constructor(serverSecret: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', serverSecret, Buffer.alloc(0), 'latch passcode secrets', 32));
  }

  seal(plain: string, recordId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(recordId));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, body, cipher.getAuthTag()]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** Throws when the value was not sealed for this record with this server secret. */
  open(sealed: string, recordId: string): string {
    const [version, iv, body, tag] = sealed.split('.');
    if (version !== 'v1' || !iv || body === undefined || !tag)
      throw new Error(`passcode secret of ${recordId} is not in the sealed form`);
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url')).setAAD(
      Buffer.from(recordId),
    );
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}
