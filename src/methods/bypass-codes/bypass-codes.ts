import { randomInt } from 'node:crypto';
import type { Store } from '../../store/contract.ts';
import { FactorSummary } from '../../authn/factor-summary.ts';
import { records } from '../../store/records.ts';
import { hmac } from '../../util/random.ts';

// Bypass codes: made by an admin for a user who cannot use their usual second factor (a lost
// phone, a forgotten token). Each batch has a number of codes, uses per code and an expiry. A code
// is shown once, when it is made; the store keeps only a keyed hash of it, as the key of a record
// that counts the uses left and expires with the code.

export const BYPASS_CODE_DIGITS = 10;

export type BypassCodeRecord = {
  usesLeft: number;
  uses: number;
  createdAt: number;
  expiresAt: number;
};

export interface BypassBatch {
  count: number;
  uses: number;
  lifetimeMs: number;
}

export type BypassCheck = { ok: true; usesLeft: number } | { ok: false };

const codeRecords = records.bypassCode.holding<BypassCodeRecord>();

/** "12345 67890": the form a code is shown in; spaces and dashes are ignored when it is typed. */
export function formatBypassCode(digits: string): string {
  return `${digits.slice(0, 5)} ${digits.slice(5)}`;
}

export function normalizeBypassCode(typed: string): string {
  return typed.replace(/[\s-]/g, '');
}

/** The id under which the factor summary (authn/factor-summary.ts) counts bypass codes. */
export const BYPASS_CODES_METHOD = 'bypass-codes';

export class BypassCodes {
  private readonly summary: FactorSummary;
  /** For the factor summary: whether the user has a usable code. */
  readonly hasAny = (userId: string) => this.hasUsable(userId);

  constructor(
    private readonly store: Store,
    /** Derived from the server secret: a copy of the store alone does not reveal the codes. */
    private readonly macKey: Buffer,
  ) {
    this.summary = new FactorSummary(store);
  }

  private hash(userId: string, code: string): string {
    return hmac(this.macKey, `bypass:${userId}:${code}`);
  }

  /** Makes `count` new codes for the user and returns them; this is the only time they exist in clear. */
  generate(userId: string, batch: BypassBatch): Promise<string[]> {
    return this.summary.add(userId, BYPASS_CODES_METHOD, this.hasAny, () => this.make(userId, batch));
  }

  private async make(userId: string, batch: BypassBatch): Promise<string[]> {
    const now = Date.now();
    const record: BypassCodeRecord = {
      usesLeft: batch.uses,
      uses: batch.uses,
      createdAt: now,
      expiresAt: now + batch.lifetimeMs,
    };
    const codes: string[] = [];
    while (codes.length < batch.count) {
      const code = Array.from({ length: BYPASS_CODE_DIGITS }, () => randomInt(10)).join('');
      const hash = this.hash(userId, code);
      if (
        !(await codeRecords.createIfAbsent(this.store, { userId, codeHash: hash }, record, { ttlMs: batch.lifetimeMs }))
      )
        continue;
      await records.bypassCodesOfUser.add(this.store, userId, hash);
      codes.push(formatBypassCode(code));
    }
    return codes;
  }

  /** The user's codes that can still be used (without the codes themselves). */
  async list(userId: string): Promise<BypassCodeRecord[]> {
    const live: BypassCodeRecord[] = [];
    for (const hash of await records.bypassCodesOfUser.list(this.store, userId)) {
      const record = await codeRecords.get(this.store, { userId, codeHash: hash });
      if (record && record.usesLeft > 0 && record.expiresAt > Date.now()) live.push(record);
      else await records.bypassCodesOfUser.remove(this.store, userId, hash);
    }
    return live.sort((a, b) => a.expiresAt - b.expiresAt);
  }

  async hasUsable(userId: string): Promise<boolean> {
    return (await this.list(userId)).length > 0;
  }

  /** Uses up one use of the code, when it is the user's, unexpired and not used up. */
  async consume(userId: string, typed: string): Promise<BypassCheck> {
    const code = normalizeBypassCode(typed);
    if (!/^\d+$/.test(code) || code.length !== BYPASS_CODE_DIGITS) return { ok: false };
    const hash = this.hash(userId, code);
    const key = { userId, codeHash: hash };
    for (;;) {
      const loaded = await codeRecords.getVersioned(this.store, key);
      if (!loaded || loaded.value.usesLeft <= 0 || loaded.value.expiresAt <= Date.now()) return { ok: false };
      const usesLeft = loaded.value.usesLeft - 1;
      const ttlMs = loaded.value.expiresAt - Date.now();
      // Compare-and-set: two requests with the last use of a code cannot both succeed.
      if (!(await codeRecords.compareAndSet(this.store, key, loaded.version, { ...loaded.value, usesLeft }, { ttlMs })))
        continue;
      if (usesLeft === 0) {
        await codeRecords.delete(this.store, key);
        await records.bypassCodesOfUser.remove(this.store, userId, hash);
      }
      return { ok: true, usesLeft };
    }
  }

  /** Deletes every code of the user; returns how many could still be used. */
  async revoke(userId: string): Promise<number> {
    const live = (await this.list(userId)).length;
    for (const hash of await records.bypassCodesOfUser.list(this.store, userId)) {
      await codeRecords.delete(this.store, { userId, codeHash: hash });
      await records.bypassCodesOfUser.remove(this.store, userId, hash);
    }
    await this.summary.changed(userId, BYPASS_CODES_METHOD, this.hasAny);
    return live;
  }
}
