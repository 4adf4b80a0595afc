import type { DirectoryUser } from '../../directory/contract.ts';
import type { Store } from '../../store/contract.ts';
import { records } from '../../store/records.ts';
import { randomId, sha256 } from '../../util/random.ts';
import { importPublicKey, type PushDevice, type PushDevices } from './devices.ts';
import type { ActivationBody, ActivationResult } from './protocol.ts';

// One-time activation links: a random token (only its hash is stored), valid for minutes, consumed
// by the first activation that presents it. The user gets one from the account page after a full
// sign-in, or an administrator issues one with `latch push enroll-link USER`.
// A link issued to a password-only sign-in (a user enrolling their first factor) works only while
// the user still has no factor: otherwise whoever held the password could keep the link and
// activate their own phone after the owner set up another factor.

type PendingActivation = {
  userId: string;
  username: string;
  displayName: string;
  issuedBy: string;
  onlyWithoutFactors?: boolean;
};

/** Keyed by the hash of the token: the store never holds a usable link. */
const activations = records.pushActivation.holding<PendingActivation>();

export type ActivationRefusal = 'unknown-link' | 'bad-key' | 'has-factors';

export interface IssueOptions {
  /** The link was given to a password-only session: it works only while the user has no factor. */
  onlyWithoutFactors?: boolean;
}

export class PushActivations {
  constructor(
    private readonly store: Store,
    private readonly devices: PushDevices,
    private readonly lifetimeMs: number,
    /** Whether a user has any factor (src/authn/factor-changes.ts); needed for onlyWithoutFactors links. */
    private readonly hasAnyFactor?: (userId: string) => Promise<boolean>,
  ) {}

  async issue(
    user: Pick<DirectoryUser, 'id' | 'username' | 'displayName'>,
    issuedBy: string,
    options: IssueOptions = {},
  ): Promise<{ token: string; expiresAt: number }> {
    const token = randomId();
    const pending: PendingActivation = {
      userId: user.id,
      username: user.username,
      displayName: user.displayName ?? user.username,
      issuedBy,
    };
    if (options.onlyWithoutFactors) {
      if (!this.hasAnyFactor)
        throw new Error('PushActivations needs hasAnyFactor to issue links for password-only sessions');
      pending.onlyWithoutFactors = true;
    }
    await activations.set(this.store, sha256(token), pending, { ttlMs: this.lifetimeMs });
    return { token, expiresAt: Date.now() + this.lifetimeMs };
  }

  /** Whether the link is still waiting to be used (neither used nor expired). */
  async pending(token: string): Promise<boolean> {
    return /^[A-Za-z0-9_-]{20,100}$/.test(token) && (await activations.get(this.store, sha256(token))) !== undefined;
  }

  /** Consumes the token and registers the device; a used or expired token is refused. */
  async activate(
    token: string,
    body: ActivationBody,
    issuer: string,
  ): Promise<
    | { ok: true; result: ActivationResult; device: PushDevice; replaced?: PushDevice }
    | { ok: false; reason: ActivationRefusal }
  > {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return { ok: false, reason: 'unknown-link' };
    // Checked before the token is consumed, so a broken authenticator does not burn the link.
    try {
      importPublicKey(body.publicKey);
    } catch {
      return { ok: false, reason: 'bad-key' };
    }
    const pending = await activations.take(this.store, sha256(token));
    if (!pending) return { ok: false, reason: 'unknown-link' };
    if (pending.onlyWithoutFactors && (await this.hasAnyFactor!(pending.userId)))
      return { ok: false, reason: 'has-factors' };
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
      result: {
        deviceId: device.id,
        user: device.username,
        displayName: device.displayName,
        issuer,
        totpSecret: device.totpSecret,
      },
    };
  }
}
