import type { LatchConfig } from '../config/schema.ts';
import type { Store } from '../store/contract.ts';
import { sha256 } from '../util/random.ts';

// Failed-password throttling. Failures are counted per client address and per account in fixed
// windows. An account's count only grows from browsers that are not known for that account, and
// it expires with its window, so an attacker can slow guessing against a victim but cannot lock
// the victim out of their own browser, nor for longer than one window.

export type ThrottleVerdict = { allowed: true } | { allowed: false; scope: 'account' | 'ip'; retryAfterMs: number };

const accountKey = (login: string) => `throttle:account:${sha256(login)}`;
const ipKey = (ip: string) => `throttle:ip:${ip}`;

export class PasswordThrottle {
  constructor(
    private readonly store: Store,
    private readonly limits: LatchConfig['throttle'],
  ) {}

  /** `knownBrowser`: the browser carries a known-device cookie for this account. */
  async check(login: string, ip: string, knownBrowser: boolean): Promise<ThrottleVerdict> {
    const ipCount = (await this.store.get<number>(ipKey(ip))) ?? 0;
    if (ipCount >= this.limits.perIp.maxFailures) {
      return { allowed: false, scope: 'ip', retryAfterMs: (await this.store.ttl(ipKey(ip))) ?? this.limits.perIp.window };
    }
    if (knownBrowser) return { allowed: true };
    const accountCount = (await this.store.get<number>(accountKey(login))) ?? 0;
    if (accountCount >= this.limits.perAccount.maxFailures) {
      const retryAfterMs = (await this.store.ttl(accountKey(login))) ?? this.limits.perAccount.window;
      return { allowed: false, scope: 'account', retryAfterMs };
    }
    return { allowed: true };
  }

  async recordFailure(login: string, ip: string, knownBrowser: boolean): Promise<void> {
    await this.store.increment(ipKey(ip), 1, { ttlMs: this.limits.perIp.window });
    if (!knownBrowser) await this.store.increment(accountKey(login), 1, { ttlMs: this.limits.perAccount.window });
  }

  async recordSuccess(login: string): Promise<void> {
    await this.store.delete(accountKey(login));
  }
}
