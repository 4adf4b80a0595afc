import type { Store } from '../../store/contract.ts';
import { APP_DIGITS, APP_PERIOD_SECONDS } from './otp.ts';
import { findCounter, timeStep, type OtpKey } from './otp.ts';
import { FactorSummary } from '../../authn/factor-summary.ts';
import {
  credentialRecords,
  credentialsOfUser,
  hasPasscodes,
  PASSCODES_METHOD,
  unassigned,
  updateCredential,
  type PasscodeCredential,
} from './records.ts';
import type { SecretBox } from '../../keys/secret-box.ts';

// Checking a user's passcode against their authenticator apps and hardware tokens. A TOTP code
// is good within `totpSkew` steps of now and only once; an HOTP code is good up to
// `hotpLookAhead` presses ahead, and a code further ahead (within `hotpResyncWindow`) is only a
// first step: the next code must follow it (RFC 4226 §7.4). Counters move forward with
// compare-and-set, so two requests carrying the same code cannot both succeed.

export interface PasscodeSettings {
  totpSkew: number;
  hotpLookAhead: number;
  hotpResyncWindow: number;
}

export type PasscodeCheck =
  | { ok: true; credential: PasscodeCredential }
  | { ok: false; reason: 'wrong' | 'reused' }
  /** An HOTP token far ahead: ask for its next code, which must be `counter + 1`. */
  | { ok: false; reason: 'resync-needed'; credentialId: string; counter: number };

type Match = { kind: 'accept'; next: number } | { kind: 'reused' } | { kind: 'resync'; counter: number } | undefined;

export class PasscodeCredentials {
  private readonly summary: FactorSummary;
  private readonly count = (userId: string) => hasPasscodes(this.store, userId);

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly settings: PasscodeSettings,
  ) {
    this.summary = new FactorSummary(store);
  }

  async listForUser(userId: string): Promise<PasscodeCredential[]> {
    const found: PasscodeCredential[] = [];
    for (const id of await credentialsOfUser.list(this.store, userId)) {
      const credential = await credentialRecords.get(this.store, id);
      if (credential?.userId === userId) found.push(credential);
    }
    return found.sort((a, b) => a.createdAt - b.createdAt);
  }

  async hasAny(userId: string): Promise<boolean> {
    return (await this.listForUser(userId)).length > 0;
  }

  /**
   * Saves an authenticator app the user just confirmed with the code of time step `confirmedStep`
   * (that code is then used up). False when a credential with this id already exists.
   */
  async addApp(userId: string, id: string, secret: string, confirmedStep: number): Promise<boolean> {
    const now = Date.now();
    const credential: PasscodeCredential = {
      id,
      userId,
      source: 'app',
      type: 'totp',
      secret: this.box.seal(secret, id),
      algorithm: 'SHA1',
      digits: APP_DIGITS,
      period: APP_PERIOD_SECONDS,
      counter: confirmedStep,
      createdAt: now,
      lastUsedAt: now,
    };
    return this.summary.add(userId, PASSCODES_METHOD, this.count, async () => {
      if (!(await credentialRecords.createIfAbsent(this.store, id, credential))) return false;
      await credentialsOfUser.add(this.store, userId, id);
      return true;
    });
  }

  /** Removes one of the user's credentials; a hardware token goes back to the unassigned stock. */
  async remove(userId: string, id: string): Promise<PasscodeCredential | undefined> {
    const credential = await credentialRecords.get(this.store, id);
    if (!credential || credential.userId !== userId) return undefined;
    if (credential.source === 'token')
      await updateCredential(this.store, id, (c) => (c.userId === userId ? unassigned(c) : undefined));
    else await credentialRecords.delete(this.store, id);
    await credentialsOfUser.remove(this.store, userId, id);
    await this.summary.changed(userId, PASSCODES_METHOD, this.count);
    return credential;
  }

  /** Checks a code against every credential of the user; the first that accepts it is used up. */
  async verify(userId: string, code: string, now = Date.now()): Promise<PasscodeCheck> {
    let fallback: PasscodeCheck = { ok: false, reason: 'wrong' };
    for (const id of await credentialsOfUser.list(this.store, userId)) {
      for (;;) {
        const loaded = await credentialRecords.getVersioned(this.store, id);
        if (!loaded || loaded.value.userId !== userId) break;
        const credential = loaded.value;
        const match = this.match(credential, code, now);
        if (match?.kind === 'reused') fallback = { ok: false, reason: 'reused' };
        if (match?.kind === 'resync' && fallback.reason !== 'resync-needed')
          fallback = { ok: false, reason: 'resync-needed', credentialId: id, counter: match.counter };
        if (match?.kind !== 'accept') break;
        const used = { ...credential, counter: match.next, lastUsedAt: now };
        if (await credentialRecords.compareAndSet(this.store, id, loaded.version, used))
          return { ok: true, credential: used };
        // Another request moved this counter first: look again from the new counter (the code
        // may have been that request's, and is then refused as used).
      }
    }
    return fallback;
  }

  /**
   * Second half of an HOTP resynchronization: `code` must be the token's code right after
   * `counter` (the code that was too far ahead). The counter then moves past both.
   */
  async resync(userId: string, credentialId: string, counter: number, code: string): Promise<PasscodeCheck> {
    const loaded = await credentialRecords.getVersioned(this.store, credentialId);
    if (!loaded || loaded.value.userId !== userId || loaded.value.type !== 'hotp')
      return { ok: false, reason: 'wrong' };
    const credential = loaded.value;
    if (counter < credential.counter || findCounter(this.key(credential), code, counter + 1, counter + 1) === undefined)
      return { ok: false, reason: 'wrong' };
    const used = { ...credential, counter: counter + 2, lastUsedAt: Date.now() };
    if (!(await credentialRecords.compareAndSet(this.store, credentialId, loaded.version, used)))
      return { ok: false, reason: 'reused' };
    return { ok: true, credential: used };
  }

  private key(credential: PasscodeCredential): OtpKey {
    return {
      secret: this.box.open(credential.secret, credential.id),
      algorithm: credential.algorithm,
      digits: credential.digits,
    };
  }

  private match(credential: PasscodeCredential, code: string, now: number): Match {
    const key = this.key(credential);
    if (credential.type === 'totp') {
      const step = timeStep(now, credential.period);
      const { totpSkew } = this.settings;
      const found = findCounter(key, code, step - totpSkew, step + totpSkew);
      if (found === undefined) return undefined;
      return found > credential.counter ? { kind: 'accept', next: found } : { kind: 'reused' };
    }
    const { hotpLookAhead, hotpResyncWindow } = this.settings;
    const found = findCounter(key, code, credential.counter, credential.counter + hotpLookAhead - 1);
    if (found !== undefined) return { kind: 'accept', next: found + 1 };
    const far = findCounter(key, code, credential.counter + hotpLookAhead, credential.counter + hotpResyncWindow - 1);
    return far === undefined ? undefined : { kind: 'resync', counter: far };
  }
}
