import { PUSH_METHOD } from './devices.ts';
import type { Push } from './push.ts';
import { pushView, sendPush, takeDecision } from './step-common.ts';
import type { StepOutcome, StepView, UserStep, UserStepContext } from '../../authn/step.ts';

// Verified push as a second factor: the browser shows a short code, the user types it into the
// Latch Authenticator and approves. amr: "swk" (the device proved its software key) and "mca"
// (a second channel: the phone); the flow adds "mfa".

export class PushStep implements UserStep {
  readonly id = 'push';
  readonly requiresUser = true;
  readonly order = 20;
  readonly stage = 'second-factor' as const;
  readonly kind = 'push' as const;
  readonly enrolledIn = [PUSH_METHOD];
  readonly label = 'Push to your phone';
  /** With policy.autoPush, the push goes out as soon as the password is accepted. */
  readonly autoStart = { push: 'send' };

  constructor(private readonly push: Push) {}

  async isAvailable(ctx: UserStepContext): Promise<boolean> {
    return (await this.push.devices.forUser(ctx.user.id)) !== undefined;
  }

  async view(ctx: UserStepContext): Promise<StepView> {
    const device = await this.push.devices.forUser(ctx.user.id);
    if (!device) return { template: 'push-gone', model: {} };
    return pushView(this.push, ctx, device, { passwordless: false, offerTrust: false });
  }

  async handle(ctx: UserStepContext, form: Record<string, string>): Promise<StepOutcome> {
    const device = await this.push.devices.forUser(ctx.user.id);
    if (!device) return { kind: 'attempted', reason: 'the push device was removed or replaced' };
    if (form.push === 'send')
      return sendPush(this.push, ctx, device, {
        purpose: 'second-factor',
        withCode: true,
        userVerificationRequired: false,
      });
    const decision = await takeDecision(this.push, ctx);
    if (!decision.ok) return decision.outcome;
    return {
      kind: 'success',
      method: 'push',
      amr: ['swk', 'mca'],
      authenticator: { id: device.id, name: device.name },
      reason: `push approved on ${device.name} with the verification code`,
    };
  }
}
