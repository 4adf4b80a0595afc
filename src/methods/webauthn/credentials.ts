import type { Store } from '../../store/contract.ts';
import { FactorSummary } from '../../authn/factor-summary.ts';
import { records } from '../../store/records.ts';
import { randomId } from '../../util/random.ts';

// WebAuthn credentials, in the store (never only in memory): one record per credential, found by
// its id, and an index of each user's credentials. Every user gets a random opaque user handle
// (not the username, which authenticators may show and store) the first time one is registered.

export type AuthenticatorKind = 'platform' | 'roaming';

export type StoredCredential = {
  /** base64url credential id, as the browser reports it. */
  id: string;
  userId: string;
  /** COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports: string[];
  kind: AuthenticatorKind;
  /** Shown on the account page; the user may rename it. */
  name: string;
  /** Discoverable and user-verifying at registration: usable without a password (a passkey). */
  passwordless: boolean;
  createdAt: number;
  lastUsedAt?: number;
  /**
   * Known-device ids of the browsers it was registered or used in, newest last (at most
   * MAX_BROWSERS): a passkey on this device is usable only there, so the offer asks elsewhere.
   */
  browsers?: string[];
};

const MAX_BROWSERS = 20;

/** `browsers` with `deviceId` last, bounded. */
export function withBrowser(browsers: string[] | undefined, deviceId: string | undefined): string[] | undefined {
  if (!deviceId) return browsers;
  return [...(browsers ?? []).filter((b) => b !== deviceId), deviceId].slice(-MAX_BROWSERS);
}

const credentialRecords = records.webauthnCredential.holding<StoredCredential>();
const handleOfUser = records.webauthnHandleOfUser.holding<{ handle: string }>();
const userOfHandle = records.webauthnUserOfHandle.holding<{ userId: string }>();

export const MAX_NAME_LENGTH = 64;

/** A name as stored: trimmed, one line, bounded. */
export function cleanName(name: string, fallback: string): string {
  const clean = name
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .trim()
    .slice(0, MAX_NAME_LENGTH);
  return clean === '' ? fallback : clean;
}

/** The id under which the factor summary (authn/factor-summary.ts) counts WebAuthn. */
export const WEBAUTHN_METHOD = 'webauthn';

export class WebAuthnCredentials {
  private readonly summary: FactorSummary;
  /** For the factor summary: whether the user has any credential. */
  readonly hasAny = async (userId: string) => (await this.list(userId)).length > 0;

  constructor(private readonly store: Store) {
    this.summary = new FactorSummary(store);
  }

  /** The user's handle, created on first use; createIfAbsent keeps two tabs from making two. */
  async userHandle(userId: string): Promise<string> {
    const fresh = randomId(32);
    // The reverse entry first, so a handle never exists without it.
    await userOfHandle.set(this.store, fresh, { userId });
    if (await handleOfUser.createIfAbsent(this.store, userId, { handle: fresh })) return fresh;
    await userOfHandle.delete(this.store, fresh);
    return (await handleOfUser.get(this.store, userId))!.handle;
  }

  /** The user id a handle belongs to (undefined for a handle Latch never issued). */
  async userOfHandle(handle: string): Promise<string | undefined> {
    return (await userOfHandle.get(this.store, handle))?.userId;
  }

  async get(id: string): Promise<StoredCredential | undefined> {
    if (!/^[A-Za-z0-9_-]{1,1400}$/.test(id)) return undefined;
    return credentialRecords.get(this.store, id);
  }

  /** The user's credentials, oldest first. */
  async list(userId: string): Promise<StoredCredential[]> {
    const ids = await records.webauthnCredentialsOfUser.list(this.store, userId);
    const found: StoredCredential[] = [];
    for (const id of ids) {
      const credential = await this.get(id);
      if (credential && credential.userId === userId) found.push(credential);
    }
    return found.sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Adds a credential; false when that credential id is already registered (to anyone). */
  async add(credential: StoredCredential): Promise<boolean> {
    return this.summary.add(credential.userId, WEBAUTHN_METHOD, this.hasAny, async () => {
      if (!(await credentialRecords.createIfAbsent(this.store, credential.id, credential))) return false;
      await records.webauthnCredentialsOfUser.add(this.store, credential.userId, credential.id);
      return true;
    });
  }

  /** Records a sign-in: the new counter, when, and in which browser. */
  async recordUse(id: string, counter: number, deviceId?: string): Promise<void> {
    await this.update(id, (c) => ({
      ...c,
      counter: Math.max(c.counter, counter),
      lastUsedAt: Date.now(),
      browsers: withBrowser(c.browsers, deviceId),
    }));
  }

  async rename(userId: string, id: string, name: string): Promise<boolean> {
    return this.update(id, (c) => (c.userId === userId ? { ...c, name: cleanName(name, c.name) } : undefined));
  }

  /** Removes one of the user's credentials; false when it is not theirs. */
  async remove(userId: string, id: string): Promise<boolean> {
    const credential = await this.get(id);
    if (!credential || credential.userId !== userId) return false;
    await credentialRecords.delete(this.store, id);
    await records.webauthnCredentialsOfUser.remove(this.store, userId, id);
    await this.summary.changed(userId, WEBAUTHN_METHOD, this.hasAny);
    return true;
  }

  /** Compare-and-set so a concurrent sign-in cannot lose a counter or a rename. */
  private async update(id: string, change: (c: StoredCredential) => StoredCredential | undefined): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const found = await credentialRecords.getVersioned(this.store, id);
      if (!found) return false;
      const next = change(found.value);
      if (!next) return false;
      if (await credentialRecords.compareAndSet(this.store, id, found.version, next)) return true;
    }
    return false;
  }
}
