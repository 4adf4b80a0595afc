import type { Store } from '../../store/contract.ts';
import { records } from '../../store/records.ts';

// Browsers a user trusted for passwordless push: after one verified passwordless push from a
// browser, the user may let later pushes from it skip the code (user verification on the phone is
// still required). Keyed by the known-device id and the user; lives as long as the cookie, and
// only while the phone that was approved with is the user's phone (a new phone starts afresh).

const trustedBrowsers = records.pushTrustedBrowser.holding<{ since: number; phoneId: string }>();

export class TrustedBrowsers {
  constructor(
    private readonly store: Store,
    private readonly lifetimeMs: number,
  ) {}

  async trust(browserId: string, userId: string, phoneId: string): Promise<void> {
    await trustedBrowsers.set(
      this.store,
      { browserId, userId },
      { since: Date.now(), phoneId },
      { ttlMs: this.lifetimeMs },
    );
  }

  /** Trusted with whatever phone (for the account page's list of browsers). */
  async isTrustedAtAll(browserId: string, userId: string): Promise<boolean> {
    return (await trustedBrowsers.get(this.store, { browserId, userId })) !== undefined;
  }

  async forget(browserId: string, userId: string): Promise<void> {
    await trustedBrowsers.delete(this.store, { browserId, userId });
  }

  async isTrusted(browserId: string | undefined, userId: string, phoneId: string): Promise<boolean> {
    if (browserId === undefined) return false;
    const record = await trustedBrowsers.get(this.store, { browserId, userId });
    return record?.phoneId === phoneId;
  }
}
