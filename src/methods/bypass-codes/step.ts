import type { BypassCodes } from './bypass-codes.ts';
import type { CodeThrottle } from '../../authn/code-throttle.ts';
import { tooManyCodes, typedCode } from '../passcodes/passcode-step.ts';
import type { Step, StepContext, StepOutcome, StepView } from '../../authn/step.ts';

// A bypass code from the help desk, as a second factor (`latch bypass-codes generate USER`).
// Offered only while the user has a code left; wrong codes count with wrong passcodes.

export class BypassCodeStep implements Step {
  readonly id = 'bypass-code';
  readonly stage = 'second-factor' as const;
  readonly label = 'Bypass code';
  readonly kind = 'bypass-code' as const;

  constructor(
    private readonly codes: BypassCodes,
    private readonly throttle: CodeThrottle,
  ) {}

  async isAvailable(ctx: StepContext): Promise<boolean> {
    return ctx.tx.user !== undefined && (await this.codes.hasUsable(ctx.tx.user.id));
  }

  async view(ctx: StepContext): Promise<StepView> {
    return { template: 'bypass-code', model: { username: ctx.tx.user?.username ?? ctx.tx.login ?? '' } };
  }

  async handle(ctx: StepContext, form: Record<string, string>): Promise<StepOutcome> {
    const user = ctx.tx.user;
    if (!user) return { kind: 'attempted', reason: 'no user to check a bypass code for' };
    if (typedCode(form) === '') return { kind: 'challenge', message: 'Enter the bypass code.', reason: 'empty bypass code' };
    const verdict = await this.throttle.attempt(user.id);
    if (!verdict.allowed) return tooManyCodes(verdict.retryAfterMs);
    const check = await this.codes.consume(user.id, form.code ?? '');
    if (!check.ok) {
      return {
        kind: 'challenge',
        result: 'failure',
        message: 'That bypass code is not valid. It may be mistyped, expired or used up.',
        reason: 'wrong, expired or used-up bypass code',
      };
    }
    await this.throttle.recordSuccess(user.id);
    const left = check.usesLeft === 1 ? '1 use' : `${check.usesLeft} uses`;
    return { kind: 'success', method: 'bypass-code', amr: ['otp'], reason: `bypass code accepted (${left} left on it)` };
  }
}
