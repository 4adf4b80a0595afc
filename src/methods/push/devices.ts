import { createPublicKey, type KeyObject } from 'node:crypto';
import { Secret } from 'otpauth';
import type { Store } from '../../store/contract.ts';
import { FactorSummary } from '../../authn/factor-summary.ts';
import { records } from '../../store/records.ts';
import type { SecretBox } from '../../keys/secret-box.ts';
import { randomId } from '../../util/random.ts';
import { totpFor, type P256PublicJwk } from './protocol.ts';

// Activated Latch Authenticators: one per user (activating a new phone replaces the old one), each
// with its P-256 public key and a TOTP secret for passcodes that work without a network.

export type PushDevice = {
  id: string;
  userId: string;
  username: string;
  displayName: string;
  publicKey: P256PublicJwk;
  name: string;
  platform: string;
  /** Base32; shown to the device once, at activation. Stored sealed (SecretBox), like passcode secrets. */
  totpSecret: string;
  createdAt: number;
  /** Web Push subscription of the phone web app, when it registered one. */
  webPush?: { endpoint: string; keys: { p256dh: string; auth: string } };
};

const deviceRecords = records.pushDevice.holding<PushDevice>();
const deviceOfUser = records.pushDeviceOfUser.holding<string>();
/** Keyed by the login name in lower case. */
const userOfLogin = records.pushUserOfLogin.holding<string>();
const usedPasscodes = records.pushPasscodeUsed.holding<true>();

export function importPublicKey(jwk: P256PublicJwk): KeyObject {
  return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' });
}

/** The id under which the factor summary (authn/factor-summary.ts) counts the Latch Authenticator. */
export const PUSH_METHOD = 'push';

export class PushDevices {
  private readonly summary: FactorSummary;
  /** For the factor summary: whether the user has an activated phone. */
  readonly hasAny = async (userId: string) => (await this.forUser(userId)) !== undefined;

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
  ) {
    this.summary = new FactorSummary(store);
  }

  async get(deviceId: string): Promise<PushDevice | undefined> {
    return /^[A-Za-z0-9_-]{22}$/.test(deviceId) ? deviceRecords.get(this.store, deviceId) : undefined;
  }

  async forUser(userId: string): Promise<PushDevice | undefined> {
    const id = await deviceOfUser.get(this.store, userId);
    return id ? this.get(id) : undefined;
  }

  /** The device of the user who signs in with this login name (passwordless starts from a name). */
  async forLogin(login: string): Promise<PushDevice | undefined> {
    const userId = await userOfLogin.get(this.store, login.toLowerCase());
    const device = userId ? await this.forUser(userId) : undefined;
    return device && device.username.toLowerCase() === login.toLowerCase() ? device : undefined;
  }

  /** Registers a device for the user; the user's previous device stops working at once. */
  async register(
    input: Omit<PushDevice, 'id' | 'totpSecret' | 'createdAt'>,
  ): Promise<{ device: PushDevice; replaced?: PushDevice }> {
    importPublicKey(input.publicKey); // throws on a key that is not a P-256 point
    return this.summary.add(input.userId, PUSH_METHOD, this.hasAny, () => this.save(input));
  }

  private async save(
    input: Omit<PushDevice, 'id' | 'totpSecret' | 'createdAt'>,
  ): Promise<{ device: PushDevice; replaced?: PushDevice }> {
    const replaced = await this.forUser(input.userId);
    const device: PushDevice = {
      ...input,
      id: randomId(16),
      totpSecret: new Secret({ size: 20 }).base32,
      createdAt: Date.now(),
    };
    await deviceRecords.set(this.store, device.id, {
      ...device,
      totpSecret: this.box.seal(device.totpSecret, device.id),
    });
    await deviceOfUser.set(this.store, device.userId, device.id);
    await userOfLogin.set(this.store, device.username.toLowerCase(), device.userId);
    if (replaced) await deviceRecords.delete(this.store, replaced.id);
    return { device, replaced };
  }

  async remove(userId: string): Promise<PushDevice | undefined> {
    const device = await this.forUser(userId);
    if (!device) return undefined;
    await deviceRecords.delete(this.store, device.id);
    await deviceOfUser.delete(this.store, userId);
    await this.summary.changed(userId, PUSH_METHOD, this.hasAny);
    return device;
  }

  async setWebPush(deviceId: string, subscription: NonNullable<PushDevice['webPush']>): Promise<void> {
    const found = await deviceRecords.getVersioned(this.store, deviceId);
    if (!found) return;
    await deviceRecords.compareAndSet(this.store, deviceId, found.version, { ...found.value, webPush: subscription });
  }

  /**
   * Checks a passcode from the user's authenticator (the passcode step calls this). Each time step
   * is accepted once, so a code seen over a shoulder cannot be used again.
   */
  async verifyPasscode(userId: string, code: string): Promise<boolean> {
    const device = await this.forUser(userId);
    if (!device || !/^\d{6}$/.test(code)) return false;
    const totp = totpFor(this.box.open(device.totpSecret, device.id));
    const delta = totp.validate({ token: code, window: 1 });
    if (delta === null) return false;
    const counter = totp.counter() + delta;
    return usedPasscodes.createIfAbsent(this.store, { userId, counter: String(counter) }, true, { ttlMs: 120_000 });
  }
}
