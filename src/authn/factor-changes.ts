import type { AuthLevel } from './contract.ts';

// Who may add, replace or remove a user's authenticators from a signed-in session. A password
// alone must not be enough to plant an attacker's factor (or remove the owner's) on an account
// that already has one: then the session must have used a second factor or a passkey. A user with
// no factor at all may enroll the first one from a password session.

/** Whether the user has any factor of one kind (authenticator apps, passkeys, a phone, …). */
export type EnrolledCheck = (userId: string) => Promise<boolean>;

export class FactorChanges {
  constructor(private readonly kinds: EnrolledCheck[]) {}

  async hasAnyFactor(userId: string): Promise<boolean> {
    for (const enrolled of this.kinds) if (await enrolled(userId)) return true;
    return false;
  }

  /** Whether a session signed in at `level` may change this user's authenticators. */
  async mayChange(level: AuthLevel, userId: string): Promise<boolean> {
    return level !== 'password' || !(await this.hasAnyFactor(userId));
  }
}
