import { BYPASS_CODES_METHOD, type BypassCodes } from './bypass-codes.ts';
import { tooManyCodes, typedCode, type CodeThrottle } from '../../authn/code-throttle.ts';
import type { StepOutcome, StepView, UserStep, UserStepContext } from '../../authn/step.ts';

// A bypass code from the help desk, as a second factor (`latch bypass-codes generate USER`).
// Offered only while the user has a code left; wrong codes count with wrong passcodes.

export class BypassCodeStep implements UserStep {
  readonly id = 'bypass-code';
  readonly requiresUser = true;
  /** Last: a help-desk code is the fallback when the user's own factors are out of reach. */
  readonly order = 90;
  readonly stage = 'second-factor' as const;
  readonly label = 'Bypass code';
  readonly kind = 'bypass-code' as const;
  readonly enrolledIn = [BYPASS_CODES_METHOD];

  constructor(
    private readonly codes: BypassCodes,
    private readonly throttle: CodeThrottle,
  ) {}

  async isAvailable(ctx: UserStepContext): Promise<boolean> {
    return this.codes.hasUsable(ctx.user.id);
  }

  async view(ctx: UserStepContext): Promise<StepView> {
    return { template: 'bypass-code', model: { username: ctx.user.username } };
  }

  async handle(ctx: UserStepContext, form: Record<string, string>): Promise<StepOutcome> {
    const { user } = ctx;
    if (typedCode(form) === '')
      return { kind: 'challenge', message: 'Enter the bypass code.', reason: 'empty bypass code' };
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
    return {
      kind: 'success',
      method: 'bypass-code',
      amr: ['otp'],
      reason: `bypass code accepted (${left} left on it)`,
    };
  }
}
