import type { Store } from '../store/contract.ts';
import { records } from '../store/records.ts';
import { sha256 } from '../util/random.ts';
import type { KnownDevices } from './known-device.ts';
import type { RememberedDevices, RememberedEntry } from './remembered-device.ts';
import { describeUserAgent } from './user-agent.ts';

// A user's browsers: each one they finished a sign-in in (browser, system, where and when last
// used), with what it is trusted for (skipping the second factor, passwordless push without a
// code). Users see and revoke them on the account page; the admin console calls the same list and
// revoke. A browser is named outside by a hash of its known-device id, never the id itself.

type BrowserUse = { userAgent: string; ip: string; country?: string; firstUsedAt: number; lastUsedAt: number };

const uses = records.userBrowser.holding<BrowserUse>();

/** Something a browser can be trusted for, kept by another part of Latch (a method). */
export interface BrowserTrust {
  /** What it lets the browser do, for the list: "passwordless push without a code". */
  readonly label: string;
  isTrusted(deviceId: string, userId: string): Promise<boolean>;
  forget(deviceId: string, userId: string): Promise<void>;
}

export interface UserBrowser {
  /** Opaque: what revoke() takes. */
  id: string;
  /** "Chrome 131 on Windows 10". */
  label: string;
  ip: string;
  country?: string;
  firstUsedAt: number;
  lastUsedAt: number;
  /** Applications it may skip the second factor for, until when. */
  remembered: Array<Pick<RememberedEntry, 'scope' | 'appId' | 'method' | 'expiresAt'>>;
  /** Labels of what else it is trusted for. */
  trustedFor: string[];
  /** The browser asking (on the account page). */
  current: boolean;
}

export const browserIdOf = (deviceId: string) => sha256(`browser:${deviceId}`).slice(0, 22);

export class UserBrowsers {
  constructor(
    private readonly store: Store,
    private readonly lifetimeMs: number,
    private readonly remembered: RememberedDevices,
    private readonly knownDevices: KnownDevices,
    private readonly trusts: BrowserTrust[],
  ) {}

  /** A finished sign-in in this browser: a read and a write (and the index, for a browser new to the user). */
  async signedIn(
    deviceId: string,
    userId: string,
    seen: { userAgent: string; ip: string; country?: string },
  ): Promise<void> {
    const now = Date.now();
    const before = await uses.get(this.store, { userId, deviceId });
    await uses.set(
      this.store,
      { userId, deviceId },
      { ...seen, firstUsedAt: before?.firstUsedAt ?? now, lastUsedAt: now },
      { ttlMs: this.lifetimeMs },
    );
    // The index already holds a browser whose record was there (revoke and list() drop both together).
    if (!before) await records.browsersOfUser.add(this.store, userId, deviceId);
  }

  /** Most recently used first. */
  async list(userId: string, currentDeviceId?: string): Promise<UserBrowser[]> {
    const found: UserBrowser[] = [];
    const now = Date.now();
    for (const deviceId of await records.browsersOfUser.list(this.store, userId)) {
      const use = await uses.get(this.store, { userId, deviceId });
      if (!use) {
        await records.browsersOfUser.remove(this.store, userId, deviceId);
        continue;
      }
      const entries = (await this.remembered.entries(deviceId, userId)).filter((e) => e.expiresAt > now);
      const trustedFor: string[] = [];
      for (const trust of this.trusts) if (await trust.isTrusted(deviceId, userId)) trustedFor.push(trust.label);
      found.push({
        id: browserIdOf(deviceId),
        label: describeUserAgent(use.userAgent).label,
        ip: use.ip,
        country: use.country,
        firstUsedAt: use.firstUsedAt,
        lastUsedAt: use.lastUsedAt,
        remembered: entries.map(({ scope, appId, method, expiresAt }) => ({ scope, appId, method, expiresAt })),
        trustedFor,
        current: deviceId === currentDeviceId,
      });
    }
    return found.sort((a, b) => b.lastUsedAt - a.lastUsedAt);
  }

  /**
   * Forgets one of the user's browsers: it no longer skips the second factor, is no longer trusted
   * for anything, and is no longer known for the user (passwordless push and the throttle
   * exemption need a new second factor there). False when the user has no such browser.
   */
  async revoke(userId: string, id: string): Promise<boolean> {
    const deviceId = (await records.browsersOfUser.list(this.store, userId)).find((d) => browserIdOf(d) === id);
    if (!deviceId) return false;
    await this.remembered.forget(deviceId, userId);
    for (const trust of this.trusts) await trust.forget(deviceId, userId);
    await this.knownDevices.forgetUser(deviceId, userId);
    await uses.delete(this.store, { userId, deviceId });
    await records.browsersOfUser.remove(this.store, userId, deviceId);
    return true;
  }
}
