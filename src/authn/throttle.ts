import { setTimeout as sleep } from 'node:timers/promises';
import type { LatchConfig } from '../config/schema.ts';
import type { Store } from '../store/contract.ts';
import type { CounterNamespace } from '../store/record-kinds.ts';
import { records } from '../store/records.ts';
import { randomId, sha256 } from '../util/random.ts';

// Failed-password throttling. Attempts are counted per client address and per account in fixed
// windows. An attempt is counted before its password is checked, so parallel requests cannot all
// pass a limit that none of them has reached yet; it stays counted as a failure unless the password
// proves right or the directory could not check it. An account is its directory id, so every
// spelling of a login (name, email or UPN, any case) is one account; a login that names nobody is
// counted under its normalized spelling. An account's count only grows from browsers that are not
// known for that account, and it expires with its window, so an attacker can slow guessing against
// a victim but cannot lock the victim out of their own browser, nor for longer than one window.
// One login transaction runs one password check at a time, so it cannot fan guesses out either.

export type ThrottleRefusal = { allowed: false; scope: 'account' | 'ip'; retryAfterMs: number };
export type ThrottleVerdict = { allowed: true } | ThrottleRefusal;

/** One password attempt: what it was counted against, so it can be settled after the check. */
export interface PasswordAttempt {
  ip: string;
  /** The account the login names (accountOf), once the directory has said which. */
  account?: string;
  /** Counted against the account too (not when the browser is known for it). */
  countedForAccount?: boolean;
  /** Why the account refused the attempt, when it did. */
  refused?: ThrottleRefusal;
}

/** What an attempt counts against: the directory id, or for a login that names nobody, the login. */
export function accountOf(user: { id: string } | undefined, login: string): string {
  return user ? `id:${user.id}` : `login:${login.normalize('NFC').trim().toLowerCase()}`;
}

/** Where attempts are counted: an account's counter or a client address's. */
interface Count {
  counter: CounterNamespace<readonly [string]>;
  key: string;
}
const accountCount = (account: string): Count => ({ counter: records.accountAttempts, key: sha256(account) });
const addressCount = (ip: string): Count => ({ counter: records.addressAttempts, key: ip });
const checkLocks = records.passwordCheckLock.holding<string>();

type Limit = LatchConfig['throttle']['perIp'];

export interface CheckLockTimes {
  /** Longer than any directory check should take; a crashed node blocks its transaction this long. */
  ttlMs: number;
  /** How long a second post of one transaction waits for the first check (under HTTP timeouts). */
  waitMs: number;
}

export class PasswordThrottle {
  constructor(
    private readonly store: Store,
    private readonly limits: LatchConfig['throttle'],
    private readonly checkLock: CheckLockTimes = { ttlMs: 60_000, waitMs: 20_000 },
  ) {}

  /** Counts an attempt from this client address, before anything else is asked. */
  async reserveAddress(ip: string): Promise<ThrottleVerdict> {
    return this.reserve(addressCount(ip), 'ip', this.limits.perIp);
  }

  /**
   * Counts the attempt against its account (accountOf), once the directory has named it; a browser
   * known for the account is not counted there.
   */
  async reserveAccount(attempt: PasswordAttempt, account: string, knownBrowser: boolean): Promise<ThrottleVerdict> {
    attempt.account = account;
    if (knownBrowser) return { allowed: true };
    const verdict = await this.reserve(accountCount(account), 'account', this.limits.perAccount);
    if (verdict.allowed) attempt.countedForAccount = true;
    else attempt.refused = verdict;
    return verdict;
  }

  /** The password was right: no failure from this address, and the account starts afresh. */
  async succeeded(attempt: PasswordAttempt): Promise<void> {
    await this.giveBack(addressCount(attempt.ip));
    if (attempt.account === undefined) return;
    const { counter, key } = accountCount(attempt.account);
    await counter.delete(this.store, key);
  }

  /** No password was tried (the directory did not answer, or the account refused): nobody counts it. */
  async notChecked(attempt: PasswordAttempt): Promise<void> {
    await this.giveBack(addressCount(attempt.ip));
    if (attempt.countedForAccount && attempt.account !== undefined) await this.giveBack(accountCount(attempt.account));
  }

  /**
   * Runs `check` while no other password check of this login transaction runs, on any node (a lock
   * in the store). A second post waits for the first check, as a double-clicked "Sign in" would, and
   * is then checked and counted like any other; undefined when the first does not end in time.
   */
  async oneCheckAtATime<T>(txId: string, check: () => Promise<T>): Promise<T | undefined> {
    const holder = randomId(16);
    if (!(await this.lock(txId, holder))) return undefined;
    try {
      return await check();
    } finally {
      await this.unlock(txId, holder);
    }
  }

  /** Counts one attempt; over the limit it is refused and given back, since no password was tried. */
  private async reserve(
    { counter, key }: Count,
    scope: ThrottleRefusal['scope'],
    limit: Limit,
  ): Promise<ThrottleVerdict> {
    const attempts = await counter.increment(this.store, key, 1, { ttlMs: limit.window });
    if (attempts <= limit.maxFailures) return { allowed: true };
    await this.giveBack({ counter, key });
    return { allowed: false, scope, retryAfterMs: (await counter.ttl(this.store, key)) ?? limit.window };
  }

  private async giveBack({ counter, key }: Count): Promise<void> {
    // When the window ended meanwhile, the -1 starts a counter of its own: let it expire at once.
    await counter.increment(this.store, key, -1, { ttlMs: 1 });
  }

  private async lock(txId: string, holder: string): Promise<boolean> {
    const deadline = Date.now() + this.checkLock.waitMs;
    for (let pause = 10; ; pause = Math.min(pause * 2, 100)) {
      if (await checkLocks.createIfAbsent(this.store, txId, holder, { ttlMs: this.checkLock.ttlMs })) return true;
      if (Date.now() + pause > deadline) return false;
      await sleep(pause);
    }
  }

  /** Ends the lock only if it is still ours: one that outlived its TTL may be another check's now. */
  private async unlock(txId: string, holder: string): Promise<void> {
    const lock = await checkLocks.getVersioned(this.store, txId);
    // The store has no conditional delete: a compare-and-set that expires the lock at once is one.
    if (lock?.value === holder) await checkLocks.compareAndSet(this.store, txId, lock.version, holder, { ttlMs: 1 });
  }
}
