import type { DirectoryUser } from '../../directory/contract.ts';
import type { Store } from '../../store/contract.ts';
import { randomId, sha256 } from '../../util/random.ts';
import { importPublicKey, type PushDevice, type PushDevices } from './devices.ts';
import type { ActivationBody, ActivationResult } from './protocol.ts';

// One-time activation links: a random token (only its hash is stored), valid for minutes, consumed
// by the first activation that presents it. The user gets one from the account page after a full
// sign-in, or an administrator issues one with `latch push enroll-link USER`.

type PendingActivation = { userId: string; username: string; displayName: string; issuedBy: string };

const key = (token: string) => `push-activation:${sha256(token)}`;

export type ActivationRefusal = 'unknown-link' | 'bad-key';

export class PushActivations {
  constructor(
    private readonly store: Store,
    private readonly devices: PushDevices,
    private readonly lifetimeMs: number,
  ) {}

  async issue(user: Pick<DirectoryUser, 'id' | 'username' | 'displayName'>, issuedBy: string): Promise<{ token: string; expiresAt: number }> {
    const token = randomId();
    const pending: PendingActivation = { userId: user.id, username: user.username, displayName: user.displayName ?? user.username, issuedBy };
    await this.store.set(key(token), pending, { ttlMs: this.lifetimeMs });
    return { token, expiresAt: Date.now() + this.lifetimeMs };
  }

  /** Consumes the token and registers the device; a used or expired token is refused. */
  async activate(
    token: string,
    body: ActivationBody,
    issuer: string,
  ): Promise<{ ok: true; result: ActivationResult; device: PushDevice; replaced?: PushDevice } | { ok: false; reason: ActivationRefusal }> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return { ok: false, reason: 'unknown-link' };
    // Checked before the token is consumed, so a broken authenticator does not burn the link.
    try {
      importPublicKey(body.publicKey);
    } catch {
      return { ok: false, reason: 'bad-key' };
    }
    const pending = await this.store.take<PendingActivation>(key(token));
    if (!pending) return { ok: false, reason: 'unknown-link' };
    const { device, replaced } = await this.devices.register({
      userId: pending.userId,
      username: pending.username,
      displayName: pending.displayName,
      publicKey: body.publicKey,
      name: body.name,
      platform: body.platform,
    });
    return {
      ok: true,
      device,
      replaced,
      result: { deviceId: device.id, user: device.username, displayName: device.displayName, issuer, totpSecret: device.totpSecret },
    };
  }
}
