import type { AnonymousStep, StepContext, StepOutcome, StepView } from './step.ts';

// The first page: who is signing in. It never says whether the account exists; that would let
// anyone probe for usernames. Unknown users go on to the same page as everyone else.
// With passkeys, the page also offers the browser's passkey autofill: picking one names the user.

/** Passkeys offered by the browser's autofill on this page (conditional mediation). */
export interface PasskeyAutofill {
  /** Ceremony options (JSON) for the page, or undefined when passkeys are not allowed here. */
  options(ctx: StepContext): Promise<string | undefined>;
  /** Verifies the posted assertion; success names the user, so the password page is skipped. */
  signIn(ctx: StepContext, posted: string): Promise<StepOutcome>;
}

export const PASSKEY_FIELD = 'passkey_response';

export const MAX_LOGIN_LENGTH = 256;

export class IdentifyStep implements AnonymousStep {
  readonly id = 'identify';
  readonly requiresUser = false;
  readonly order = 0;
  readonly stage = 'identify' as const;
  readonly label = 'Username';

  constructor(private readonly passkeys?: PasskeyAutofill) {}

  async isAvailable(): Promise<boolean> {
    return true;
  }

  async view(ctx: StepContext): Promise<StepView> {
    const passkeyOptions = await this.passkeys?.options(ctx);
    return {
      template: 'identify',
      model: { username: ctx.tx.login ?? ctx.tx.request.constraints.loginHint ?? '', passkeyOptions },
    };
  }

  async handle(ctx: StepContext, form: Record<string, string>): Promise<StepOutcome> {
    if (this.passkeys && form[PASSKEY_FIELD]) return this.passkeys.signIn(ctx, form[PASSKEY_FIELD]);
    const login = (form.username ?? '').normalize('NFC').trim();
    if (login === '') return { kind: 'challenge', message: 'Enter your username.', reason: 'empty username' };
    if (login.length > MAX_LOGIN_LENGTH || /[\u0000-\u001f\u007f]/.test(login)) {
      return {
        kind: 'challenge',
        message: 'That is not a valid username. Check it and try again.',
        reason: 'malformed username',
      };
    }
    return { kind: 'success', login, reason: 'username entered' };
  }
}
