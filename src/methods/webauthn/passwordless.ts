import type { Directory, DirectoryUser } from '../../directory/contract.ts';
import type { PolicyResolver } from '../../authn/policy.ts';
import type { StepContext, StepOutcome } from '../../authn/step.ts';
import type { WebAuthnCeremonies } from './ceremonies.ts';
import type { AuthenticatorKind } from './credentials.ts';

// A passwordless sign-in after the assertion verified: the account must still exist and be
// enabled, and the policy that applies to the user's groups (not known before) must allow this
// kind of authenticator. Used by the passkey step (username first) and by autofill (no username).

/** Passwordless kinds of WebAuthn authenticator that a policy allows. */
export function allowedPasswordlessKinds(passwordless: readonly string[]): AuthenticatorKind[] {
  return passwordless.filter((k): k is AuthenticatorKind => k === 'platform' || k === 'roaming');
}

/** RFC 8176: a security key is a hardware key; a platform authenticator counts as a software key. */
export function amrOf(kind: AuthenticatorKind): string {
  return kind === 'roaming' ? 'hwk' : 'swk';
}

export const PASSWORDLESS_METHOD = 'webauthn-passwordless';

export type PasswordlessVerdict =
  | { kind: 'signed-in'; outcome: Extract<StepOutcome, { kind: 'success' }> }
  /** The assertion was refused: `message` tells the user, `reason` the log. */
  | { kind: 'refused'; message: string; reason: string }
  /** Policy for this user's groups does not allow this authenticator here. */
  | { kind: 'not-allowed'; reason: string }
  | { kind: 'disabled'; reason: string };

export class PasswordlessSignIn {
  constructor(
    readonly ceremonies: WebAuthnCeremonies,
    private readonly directory: Directory,
    private readonly policies: PolicyResolver,
  ) {}

  /**
   * Verifies a passkey assertion against this transaction's challenge (issued without a user: the
   * page never says whose passkeys exist). `userId`, when the user typed a username, is the
   * account the passkey must belong to.
   */
  async verify(
    ctx: StepContext,
    posted: string | undefined,
    purpose: 'passwordless' | 'discoverable',
    userId?: string,
  ): Promise<PasswordlessVerdict> {
    const checked = await this.ceremonies.verifyAssertion({ owner: `tx:${ctx.tx.id}`, purpose }, posted, {
      userId,
      requireUserVerification: true,
      passwordless: true,
      allowedKinds: allowedPasswordlessKinds(ctx.policy.passwordless),
      deviceId: ctx.browser.deviceId,
    });
    if (!checked.ok) return { kind: 'refused', message: checked.message, reason: checked.reason };
    const { credential, warning } = checked;
    const user: DirectoryUser | undefined = await this.directory.findUserById(credential.userId);
    if (!user)
      return {
        kind: 'refused',
        message: 'This passkey belongs to an account that no longer exists.',
        reason: `no directory user with id ${credential.userId}`,
      };
    if (user.disabled)
      return { kind: 'disabled', reason: `passkey verified for ${user.username}, but the account is disabled` };
    const policy = this.policies.resolve(ctx.tx.request.app.id, user.groups);
    if (!policy.passwordless.includes(credential.kind)) {
      return {
        kind: 'not-allowed',
        reason: `policy for ${user.username} does not allow ${credential.kind} passwordless sign-in (${policy.sources.join(' <- ')})`,
      };
    }
    return {
      kind: 'signed-in',
      outcome: {
        kind: 'success',
        user,
        login: user.username,
        method: PASSWORDLESS_METHOD,
        amr: [amrOf(credential.kind), 'user'],
        passwordless: credential.kind,
        authenticator: { id: credential.id, name: credential.name },
        reason: `passkey "${credential.name}" (${credential.kind}) verified with user verification${warning ? `; ${warning}` : ''}`,
      },
    };
  }
}
