import type { Store } from '../../store/contract.ts';

// Browsers a user trusted for passwordless push: after one verified passwordless push from a
// browser, the user may let later pushes from it skip the code (user verification on the phone is
// still required). Keyed by the known-device id and the user; lives as long as the cookie.

const key = (browserId: string, userId: string) => `push-trusted:${browserId}:${userId}`;

export class TrustedBrowsers {
  constructor(
    private readonly store: Store,
    private readonly lifetimeMs: number,
  ) {}

  async trust(browserId: string, userId: string): Promise<void> {
    await this.store.set(key(browserId, userId), { since: Date.now() }, { ttlMs: this.lifetimeMs });
  }

  async isTrusted(browserId: string | undefined, userId: string): Promise<boolean> {
    return browserId !== undefined && (await this.store.get(key(browserId, userId))) !== undefined;
  }
}
