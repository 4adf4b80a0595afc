import type { Directory } from '../../directory/contract.ts';
import type { Json } from '../../store/contract.ts';
import { allowedPasswordlessKinds, type PasswordlessSignIn } from './passwordless.ts';
import { RESPONSE_FIELD, browserError } from './form.ts';
import type { AnonymousStep, StepContext, StepOutcome, StepView } from '../../authn/step.ts';

// Passwordless sign-in after the username: one gesture on a passkey with user verification.
// The page must not tell anyone who types a username whether that account has passkeys, so it is
// the same for every username (whenever the application's policy allows passkeys): no directory
// or store lookup before the user chooses, and a discoverable-credential request with no
// credential ids. The asserted passkey must then belong to the typed account (its user handle
// too). Any failure, or a browser without WebAuthn, reads the same for every account and leads to
// the next way to sign in (the password); "Other options" leads there as well.

/** Shown after any failed or cancelled passkey on this page, whatever the account. */
export const PASSKEY_NOT_ACCEPTED = 'No passkey was accepted. Use another way to sign in.';
export const NO_WEBAUTHN = 'This browser cannot use passkeys. Use another way to sign in.';
/** When there is no other way to sign in here, the page stays: try again. */
const TRY_AGAIN = 'That did not work. Try again, or choose another way to sign in.';

/** Marks a sign-in whose passkey was not used, so the password comes next. */
const NOT_USED = { passkeyNotUsed: true };
const notUsed = (data: Json | undefined) =>
  typeof data === 'object' && data !== null && !Array.isArray(data) && data.passkeyNotUsed === true;

/** No directory id has this value: a username with no account accepts no passkey. */
const NO_ACCOUNT = '(no such account)';

export class PasskeyStep implements AnonymousStep {
  readonly id = 'passkey';
  readonly requiresUser = false;
  /** Elsewhere the passkey page, the same for every username. */
  readonly order = 20;
  readonly stage = 'primary' as const;
  readonly label = 'Passkey';

  constructor(
    private readonly passwordless: PasswordlessSignIn,
    private readonly directory: Directory,
  ) {}

  /** Decided by the application's policy alone (the user's groups are not known yet), never by the account. */
  async isAvailable(ctx: StepContext): Promise<boolean> {
    if (allowedPasswordlessKinds(ctx.policy.passwordless).length === 0) return false;
    return !(notUsed(ctx.tx.stepData) && ctx.policy.password);
  }

  /** The same for every username, so known before it. */
  mayApplyBeforeUsername(ctx: StepContext): Promise<boolean> {
    return this.isAvailable(ctx);
  }

  async view(ctx: StepContext): Promise<StepView> {
    // No credential ids: any passkey of this site may answer, and handle() checks whose it is.
    const binding = { owner: `tx:${ctx.tx.id}`, purpose: 'passwordless' as const };
    const options = JSON.stringify(await this.passwordless.ceremonies.authenticationOptions(binding, [], 'required'));
    return {
      template: 'webauthn-authenticate',
      model: { username: ctx.tx.login ?? '', purpose: 'passwordless', options },
    };
  }

  async handle(ctx: StepContext, form: Record<string, string>): Promise<StepOutcome> {
    const error = browserError(form);
    if (error === 'unsupported') return this.notAccepted(ctx, NO_WEBAUTHN, 'the browser cannot use WebAuthn');
    if (error)
      return this.notAccepted(ctx, PASSKEY_NOT_ACCEPTED, 'no response from the browser (cancelled, no passkey)');
    const login = ctx.tx.login ?? '';
    const account = login ? await this.directory.findUser(login) : undefined;
    const verdict = await this.passwordless.verify(
      ctx,
      form[RESPONSE_FIELD],
      'passwordless',
      account?.id ?? NO_ACCOUNT,
    );
    const whose = account ? '' : `no account named "${login}"; `;
    switch (verdict.kind) {
      case 'signed-in':
        return verdict.outcome;
      case 'refused':
      case 'not-allowed':
        return this.notAccepted(ctx, PASSKEY_NOT_ACCEPTED, `${whose}${verdict.reason}`, 'failure');
      case 'disabled': {
        const hint = 'Contact your IT help desk to have it enabled.';
        return {
          kind: 'failed',
          message: 'Your account is disabled.',
          hint,
          reason: verdict.reason,
          result: 'failure',
        };
      }
    }
  }

  /** On to the password when policy has one; otherwise this page again. */
  private notAccepted(ctx: StepContext, message: string, reason: string, result?: string): StepOutcome {
    if (!ctx.policy.password) {
      return { kind: 'challenge', message: message === NO_WEBAUTHN ? message : TRY_AGAIN, reason, result };
    }
    const onwards = `${reason}; on to the next way to sign in`;
    return { kind: 'challenge', message, reason: onwards, result, stepData: NOT_USED };
  }
}
