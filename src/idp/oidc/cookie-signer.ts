import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { safeEqual } from '../../util/random.ts';

// Signs oidc-provider's cookies (its session and interaction cookies carry a ".sig" companion).
// Koa's cookie jar takes any object with Keygrip's three methods. This one keeps its keys as
// KeyObjects (not re-imported from strings on every cookie) and compares with timingSafeEqual
// (not two extra HMACs per comparison): several cookies are read and written on every
// authorization request.

export class CookieSigner {
  private readonly keys: KeyObject[];

  /** The first key signs; every key verifies (for rotation). */
  constructor(secrets: string[]) {
    if (secrets.length === 0) throw new Error('CookieSigner needs at least one key');
    this.keys = secrets.map((secret) => createSecretKey(Buffer.from(secret)));
  }

  sign(data: string): string {
    return mac(data, this.keys[0]!);
  }

  verify(data: string, digest: string): boolean {
    return this.index(data, digest) > -1;
  }

  /** The index of the key that made `digest`, or -1. */
  index(data: string, digest: string): number {
    return this.keys.findIndex((key) => safeEqual(digest, mac(data, key)));
  }
}

function mac(data: string, key: KeyObject): string {
  return createHmac('sha256', key).update(data).digest('base64url');
}
