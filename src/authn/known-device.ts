import type { Store } from '../store/contract.ts';
import { records } from '../store/records.ts';
import { hmac, randomId, safeEqual } from '../util/random.ts';

// The known-device cookie: a long-lived random browser id, MAC-protected so it cannot be forged,
// bound server-side to the users who completed a second factor in that browser. It gates
// passwordless push and exempts a user's own browsers from account throttling. The cookie alone
// proves nothing: the server-side record must list the user.

type DeviceRecord = { users: { [userId: string]: { username: string; verifiedAt: number } } };

const deviceRecords = records.knownDevice.holding<DeviceRecord>();

export class KnownDevices {
  constructor(
    private readonly store: Store,
    private readonly macKey: Buffer,
    readonly lifetimeMs: number,
  ) {}

  /** A new browser id and the cookie value that carries it. */
  issue(): { deviceId: string; cookie: string } {
    const deviceId = randomId(16);
    return { deviceId, cookie: `${deviceId}.${hmac(this.macKey, deviceId)}` };
  }

  /** The browser id in a cookie, or undefined when the cookie is malformed or forged. */
  parse(cookie: string | undefined): string | undefined {
    const match = cookie && /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(cookie);
    if (!match) return undefined;
    return safeEqual(match[2]!, hmac(this.macKey, match[1]!)) ? match[1] : undefined;
  }

  async markVerified(deviceId: string, user: { id: string; username: string }): Promise<void> {
    const record = (await deviceRecords.get(this.store, deviceId)) ?? { users: {} };
    record.users[user.id] = { username: user.username.toLowerCase(), verifiedAt: Date.now() };
    await deviceRecords.set(this.store, deviceId, record, { ttlMs: this.lifetimeMs });
  }

  /** This browser is no longer known for the user (the account page's "Forget this browser"). */
  async forgetUser(deviceId: string, userId: string): Promise<void> {
    const record = await deviceRecords.get(this.store, deviceId);
    if (!record?.users[userId]) return;
    delete record.users[userId];
    await deviceRecords.set(this.store, deviceId, record, { ttlMs: this.lifetimeMs });
  }

  /** True when this browser completed a second factor for the user (by id or by login name). */
  async isKnownFor(deviceId: string | undefined, user: { id?: string; login?: string }): Promise<boolean> {
    if (!deviceId) return false;
    const record = await deviceRecords.get(this.store, deviceId);
    if (!record) return false;
    return Object.entries(record.users).some(
      ([id, entry]) =>
        (user.id !== undefined && id === user.id) ||
        (user.login !== undefined && entry.username === user.login.toLowerCase()),
    );
  }
}
