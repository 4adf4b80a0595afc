import type { Store } from '../store/contract.ts';
import { records } from '../store/records.ts';

// Which sign-in methods a user has anything enrolled in, in one record per user, so that a
// sign-in learns in one read that a password-only user has no second factor (instead of one read
// per method). A stale "has none" would skip the second factor, so every module that writes a
// method's per-user records keeps it current, whoever calls it (sign-in, account pages, console,
// Auth API, command line):
// - before an authenticator is written, `adding` marks the method (a crash in between leaves
//   "has one", which only costs a read);
// - after any add or remove, `changed` recounts the method from its own records, with
//   compare-and-set, and both always write (moving the version), so of two changes racing the
//   last write reflects both.
// A method missing from the record (a record from before the method was counted, or none yet) is
// counted from its records by the reader and merged in without overwriting what is there.

export type FactorSummaryRecord = { enrolled: Record<string, boolean> };

const summaries = records.factorSummary.holding<FactorSummaryRecord>();

/** Counts from its own records whether the user has anything enrolled in one method. */
export type EnrolmentCount = (userId: string) => Promise<boolean>;

export class FactorSummary {
  constructor(private readonly store: Store) {}

  /** Before an authenticator of `method` is written for the user. */
  adding(userId: string, method: string): Promise<void> {
    return this.update(userId, method, async () => true);
  }

  /** An add: marked first, then written, then recounted (also when the write refused or threw). */
  async add<T>(userId: string, method: string, count: EnrolmentCount, write: () => Promise<T>): Promise<T> {
    await this.adding(userId, method);
    try {
      return await write();
    } finally {
      await this.changed(userId, method, count);
    }
  }

  /** After an authenticator of `method` was added or removed (or an add failed): recounted. */
  changed(userId: string, method: string, count: EnrolmentCount): Promise<void> {
    return this.update(userId, method, () => count(userId));
  }

  /**
   * The methods the user has something enrolled in, of those in `counts` (method id -> how to
   * count it): one read when every one of them is in the record.
   */
  async enrolled(userId: string, counts: ReadonlyMap<string, EnrolmentCount>): Promise<Set<string>> {
    for (;;) {
      const found = await summaries.getVersioned(this.store, userId);
      const enrolled = { ...found?.value.enrolled };
      const missing = [...counts.keys()].filter((method) => enrolled[method] === undefined);
      for (const method of missing) enrolled[method] = await counts.get(method)!(userId);
      const done = new Set([...counts.keys()].filter((method) => enrolled[method]));
      if (missing.length === 0 || (await this.write(userId, found, { enrolled }))) return done;
    }
  }

  /**
   * Read, count, write with compare-and-set; written even when the value is unchanged, so that the
   * version moves on every change: a recount that read before this one and counted before this
   * change landed then fails its write and counts again, instead of writing its stale answer.
   */
  private async update(userId: string, method: string, has: () => Promise<boolean>): Promise<void> {
    for (;;) {
      const found = await summaries.getVersioned(this.store, userId);
      const value = await has();
      if (await this.write(userId, found, { enrolled: { ...found?.value.enrolled, [method]: value } })) return;
    }
  }

  private write(userId: string, found: { version: number } | undefined, value: FactorSummaryRecord): Promise<boolean> {
    return found
      ? summaries.compareAndSet(this.store, userId, found.version, value)
      : summaries.createIfAbsent(this.store, userId, value);
  }
}
