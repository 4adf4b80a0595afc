import type { Store } from '../../store/contract.ts';
import { records } from '../../store/records.ts';
import type { Push } from './push.ts';
import { activationUrl } from './protocol.ts';
import type { StepOutcome, StepView, UserStep, UserStepContext } from '../../authn/step.ts';

// Inline activation of the Latch Authenticator for a user who has no second factor while policy
// requires one (new-user policy "require-enrollment"): the page shows a one-time activation QR
// code. Once the phone is activated, the user has a push device, so the flow offers the verified
// push step instead, and the first push proves the phone works before the sign-in completes.

const enrollLinks = records.pushEnrollLink.holding<string>();

export class PushEnrollStep implements UserStep {
  readonly id = 'push-enroll';
  readonly requiresUser = true;
  readonly order = 30;
  readonly stage = 'second-factor' as const;
  readonly kind = 'push' as const;
  readonly enrollment = true;
  readonly label = 'Set up phone sign-in';

  constructor(
    private readonly push: Push,
    private readonly store: Store,
    private readonly baseUrl: string,
  ) {}

  async isAvailable(ctx: UserStepContext): Promise<boolean> {
    return !ctx.user.disabled;
  }

  /** One link per sign-in, made when the page is first shown and reused on reload until it expires. */
  async view(ctx: UserStepContext): Promise<StepView> {
    const { user } = ctx;
    let token = await enrollLinks.get(this.store, ctx.tx.id);
    if (!token) {
      const issuedBy = `inline enrollment in sign-in ${ctx.tx.id.slice(0, 8)}…`;
      token = (await this.push.activations.issue(user, issuedBy, { onlyWithoutFactors: true })).token;
      await enrollLinks.set(this.store, ctx.tx.id, token, { ttlMs: this.push.config.activationLifetime });
    }
    return {
      template: 'push-enroll',
      model: {
        username: ctx.tx.login ?? user.username,
        activationUrl: activationUrl(this.baseUrl, token),
        appUrl: `${this.baseUrl}/authenticator/`,
        minutes: Math.round(this.push.config.activationLifetime / 60_000),
      },
    };
  }

  async handle(ctx: UserStepContext): Promise<StepOutcome> {
    const activated = await this.push.devices.forUser(ctx.user.id);
    return activated
      ? { kind: 'challenge', reason: `Latch Authenticator activated on ${activated.name}; verified push follows` }
      : {
          kind: 'challenge',
          message: 'The phone is not activated yet. Scan the code or open the link on your phone first.',
          reason: 'continue before activation',
          result: 'pending',
        };
  }
}
