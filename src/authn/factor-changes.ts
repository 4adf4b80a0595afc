import type { DirectoryUser } from '../directory/contract.ts';
import { ACCOUNT_APP_ID, type AuthLevel } from './contract.ts';
import type { EnrolmentCount, FactorSummary } from './factor-summary.ts';
import type { EffectivePolicy, PolicyResolver } from './policy.ts';

// Who may add, replace or remove a user's authenticators from a signed-in session. A password
// alone must not be enough to plant an attacker's factor (or remove the owner's) on an account
// that already has one: then the session must have used a second factor or a passkey. A user with
// no factor at all may enroll the first one from a password session. The sign-in flow follows the
// same rule (flow.ts: inline enrollment only for a user with no factor).
// What a user may add at all is what policy allows them: the account application's policy for
// their groups.

/** What a method knows of a user's enrolled authenticators (src/methods/method.ts `Authenticators`). */
export interface EnrolledFactors {
  /** Bypass codes are listed, but are not a factor the user enrolled. */
  readonly factor: boolean;
  list(userId: string): Promise<unknown[]>;
}

/** The kinds of authenticator the account pages add. */
export type AddableKind = 'passcode' | 'webauthn' | 'push';

export class FactorChanges {
  /** Each method's count, by method id, for the summary to fill in what it lacks. */
  private readonly counts: ReadonlyMap<string, EnrolmentCount>;
  private readonly factors: ReadonlySet<string>;

  constructor(
    methods: ReadonlyMap<string, EnrolledFactors>,
    private readonly summary: FactorSummary,
    private readonly policies: PolicyResolver,
  ) {
    const count = (m: EnrolledFactors) => async (userId: string) => (await m.list(userId)).length > 0;
    this.counts = new Map([...methods].map(([id, m]) => [id, count(m)]));
    this.factors = new Set([...methods].filter(([, m]) => m.factor).map(([id]) => id));
  }

  /** The ids of the methods in which the user has anything enrolled (bypass codes too): one store read. */
  enrolled(userId: string): Promise<Set<string>> {
    return this.summary.enrolled(userId, this.counts);
  }

  async hasAnyFactor(userId: string): Promise<boolean> {
    return [...(await this.enrolled(userId))].some((method) => this.factors.has(method));
  }

  /** Whether a session signed in at `level` may change this user's authenticators. */
  async mayChange(level: AuthLevel, userId: string): Promise<boolean> {
    return level !== 'password' || !(await this.hasAnyFactor(userId));
  }

  /** The policy that decides what this user may add on the account pages. */
  policyFor(user: Pick<DirectoryUser, 'groups'>): EffectivePolicy {
    return this.policies.resolve(ACCOUNT_APP_ID, user.groups);
  }

  /** Whether policy lets this user add an authenticator of this kind, as a second factor or passwordless. */
  mayAdd(user: Pick<DirectoryUser, 'groups'>, kind: AddableKind): boolean {
    const policy = this.policyFor(user);
    if (policy.secondFactors.includes(kind)) return true;
    if (kind === 'push') return policy.passwordless.includes('push');
    if (kind === 'webauthn') return policy.passwordless.some((k) => k === 'platform' || k === 'roaming');
    return false;
  }
}
