import type { Directory, DirectoryUser } from '../../directory/contract.ts';
import { CANCELLED_MESSAGE, RESPONSE_FIELD, browserError } from '../webauthn/form.ts';
import type { PasswordlessSignIn } from '../webauthn/passwordless.ts';
import type { Step, StepContext, StepOutcome, StepView } from './step.ts';

// Passwordless sign-in after the username: one gesture on a passkey (platform or roaming, as the
// policy allows) with user verification. Offered before the password whenever the user has a
// usable passkey; "Other options" leads to the password, and so does a browser without WebAuthn.

export class PasskeyStep implements Step {
  readonly id = 'passkey';
  readonly stage = 'primary' as const;
  readonly label = 'Passkey';

  constructor(
    private readonly passwordless: PasswordlessSignIn,
    private readonly directory: Directory,
  ) {}

  private async account(ctx: StepContext): Promise<DirectoryUser | undefined> {
    const login = ctx.tx.login;
    // Most users have no passkey: they go on to the password without a directory search.
    const userId = login ? await this.passwordless.ceremonies.credentials.passkeyUserFor(login) : undefined;
    if (!login || !userId) return undefined;
    const user = await this.directory.findUser(login);
    return user && user.id === userId && !user.disabled ? user : undefined;
  }

  async isAvailable(ctx: StepContext): Promise<boolean> {
    const user = await this.account(ctx);
    return user !== undefined && (await this.passwordless.usablePasskeys(ctx, user)).length > 0;
  }

  async view(ctx: StepContext): Promise<StepView> {
    const user = (await this.account(ctx))!;
    const passkeys = await this.passwordless.usablePasskeys(ctx, user);
    const options = await this.passwordless.ceremonies.authenticationOptions({ owner: `tx:${ctx.tx.id}`, purpose: 'passwordless', userId: user.id }, passkeys, 'required');
    return { template: 'webauthn-authenticate', model: { username: ctx.tx.login ?? user.username, purpose: 'passwordless', options: JSON.stringify(options) } };
  }

  async handle(ctx: StepContext, form: Record<string, string>): Promise<StepOutcome> {
    const error = browserError(form);
    if (error === 'unsupported') return { kind: 'attempted', reason: 'the browser cannot use WebAuthn' };
    if (error) return { kind: 'challenge', message: CANCELLED_MESSAGE, reason: 'the browser reported no response (cancelled or timed out)' };
    const user = await this.account(ctx);
    if (!user) return { kind: 'attempted', reason: 'the account is no longer usable for passwordless sign-in' };
    const verdict = await this.passwordless.verify(ctx, form[RESPONSE_FIELD], 'passwordless', user.id);
    switch (verdict.kind) {
      case 'signed-in':
        return verdict.outcome;
      case 'refused':
        return { kind: 'challenge', message: verdict.message, reason: verdict.reason, result: 'failure' };
      case 'not-allowed':
        return { kind: 'attempted', reason: verdict.reason };
      case 'disabled':
        return { kind: 'failed', message: 'Your account is disabled.', hint: 'Contact your IT help desk to have it enabled.', reason: verdict.reason, result: 'failure' };
    }
  }
}
