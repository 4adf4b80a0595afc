import type { Store } from '../../store/contract.ts';
import { records } from '../../store/records.ts';
import { randomId } from '../../util/random.ts';

// WebAuthn challenges: random, short-lived, single use, and bound to what they were issued for
// (a login transaction or an account session, a purpose, and a user when one is known). A step's
// view() issues one; its handle() takes it back, so a replayed or borrowed response finds nothing.

export type ChallengePurpose = 'second-factor' | 'enroll' | 'passwordless' | 'discoverable' | 'offer' | 'account-add';

export type ChallengeBinding = {
  /** "tx:<id>" for a sign-in, "session:<sid>" for the account page. */
  owner: string;
  purpose: ChallengePurpose;
  /** The user the ceremony is for; absent for a discoverable sign-in (anyone's passkey). */
  userId?: string;
};

const challenges = records.webauthnChallenge.holding<ChallengeBinding>();

export class WebAuthnChallenges {
  constructor(
    private readonly store: Store,
    private readonly lifetimeMs: number,
  ) {}

  async issue(binding: ChallengeBinding): Promise<string> {
    const challenge = randomId(32);
    await challenges.set(this.store, challenge, binding, { ttlMs: this.lifetimeMs });
    return challenge;
  }

  /**
   * Consumes a challenge: the first call gets it (when it was issued for exactly this owner,
   * purpose and user), every later one nothing. A mismatch consumes it too.
   */
  async take(challenge: string, expected: ChallengeBinding): Promise<boolean> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) return false;
    const found = await challenges.take(this.store, challenge);
    return (
      found !== undefined &&
      found.owner === expected.owner &&
      found.purpose === expected.purpose &&
      (found.userId ?? null) === (expected.userId ?? null)
    );
  }
}
