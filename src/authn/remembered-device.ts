import type { Store } from '../store/contract.ts';
import { records } from '../store/records.ts';
import type { EffectivePolicy, SecondFactorKind } from './policy.ts';
import type { LoginTransaction } from './transaction.ts';
import { lifetimeWords } from '../util/words.ts';

// "Yes, this is my device": after a second factor, the user may let this browser skip the second
// factor for a while. The record lives server-side, keyed by the known-device id and the user, and
// names the method that earned it, the application, and whether it covers one application or all.
// An application whose policy does not allow that method is not covered.

// A type, not an interface, so it is assignable to the store's Json.
export type RememberedEntry = {
  /** The second-factor kind the user completed when asking to be remembered. */
  kind: SecondFactorKind;
  method: string;
  scope: 'application' | 'all';
  /** The application the user confirmed for (covers only it when scope is "application"). */
  appId: string;
  createdAt: number;
  expiresAt: number;
};

type RememberedRecord = { entries: RememberedEntry[] };

const rememberedRecords = records.rememberedDevice.holding<RememberedRecord>();

export class RememberedDevices {
  constructor(private readonly store: Store) {}

  async remember(deviceId: string, userId: string, entry: Omit<RememberedEntry, 'createdAt'>): Promise<void> {
    const now = Date.now();
    const record = (await rememberedRecords.get(this.store, { deviceId, userId })) ?? { entries: [] };
    // One entry per (scope, application): confirming again renews it.
    const entries = record.entries.filter(
      (e) => e.expiresAt > now && !(e.scope === entry.scope && (e.scope === 'all' || e.appId === entry.appId)),
    );
    entries.push({ ...entry, createdAt: now });
    const ttlMs = Math.max(...entries.map((e) => e.expiresAt)) - now;
    await rememberedRecords.set(this.store, { deviceId, userId }, { entries }, { ttlMs });
  }

  /**
   * Remembers the browser for a sign-in's user as its policy says (lifetime, scope), after the
   * factor of `kind` that `method` completed; returns what to write in the authentication log.
   */
  async rememberSignIn(
    deviceId: string,
    signIn: {
      tx: Pick<LoginTransaction, 'request'>;
      user: { id: string };
      policy: Pick<EffectivePolicy, 'rememberDevice'>;
    },
    kind: SecondFactorKind,
    method: string,
  ): Promise<string> {
    const { lifetimeMs, scope } = signIn.policy.rememberDevice;
    const appId = signIn.tx.request.app.id;
    await this.remember(deviceId, signIn.user.id, { kind, method, scope, appId, expiresAt: Date.now() + lifetimeMs });
    return `the user trusted this browser for ${scope === 'all' ? 'all applications' : appId} for ${lifetimeWords(lifetimeMs)}`;
  }

  /** The entry that lets this browser skip the second factor for this application, if any. */
  async covering(
    deviceId: string | undefined,
    userId: string,
    appId: string,
    allowed: SecondFactorKind[],
  ): Promise<RememberedEntry | undefined> {
    if (!deviceId) return undefined;
    const record = await rememberedRecords.get(this.store, { deviceId, userId });
    const now = Date.now();
    return record?.entries.find(
      (e) => e.expiresAt > now && allowed.includes(e.kind) && (e.scope === 'all' || e.appId === appId),
    );
  }

  /** Every entry of this browser for the user (expired ones included until the record lapses). */
  async entries(deviceId: string, userId: string): Promise<RememberedEntry[]> {
    return (await rememberedRecords.get(this.store, { deviceId, userId }))?.entries ?? [];
  }

  async forget(deviceId: string, userId: string): Promise<void> {
    await rememberedRecords.delete(this.store, { deviceId, userId });
  }
}
