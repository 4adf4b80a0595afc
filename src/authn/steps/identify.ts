import type { Step, StepContext, StepOutcome, StepView } from './step.ts';

// The first page: who is signing in. It never says whether the account exists; that would let
// anyone probe for usernames. Unknown users go on to the password page like everyone else.

export const MAX_LOGIN_LENGTH = 256;

export class IdentifyStep implements Step {
  readonly id = 'identify';
  readonly stage = 'identify' as const;
  readonly label = 'Username';

  async isAvailable(): Promise<boolean> {
    return true;
  }

  async view(ctx: StepContext): Promise<StepView> {
    return { template: 'identify', model: { username: ctx.tx.login ?? ctx.tx.request.constraints.loginHint ?? '' } };
  }

  async handle(_ctx: StepContext, form: Record<string, string>): Promise<StepOutcome> {
    const login = (form.username ?? '').normalize('NFC').trim();
    if (login === '') return { kind: 'challenge', message: 'Enter your username.', reason: 'empty username' };
    if (login.length > MAX_LOGIN_LENGTH || /[\u0000-\u001f\u007f]/.test(login)) {
      return { kind: 'challenge', message: 'That is not a valid username. Check it and try again.', reason: 'malformed username' };
    }
    return { kind: 'success', login, reason: 'username entered' };
  }
}
