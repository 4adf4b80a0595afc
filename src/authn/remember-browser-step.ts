import type { PasswordlessKind, SecondFactorKind } from './policy.ts';
import type { RememberedDevices } from './remembered-device.ts';
import type { StepOutcome, StepView, UserStep, UserStepContext } from './step.ts';
import { lifetimeWords } from '../util/words.ts';

// "Remember this browser?" after a passwordless sign-in. After a password the question rides on
// the second-factor page ("Yes, this is my device"); a passkey or passwordless push has no such
// page, so the engine asks on a page of its own after the gesture. A browser remembered this way
// lets later sign-ins with a password skip the second factor where policy accepts the kind of
// authenticator used (a passkey counts as WebAuthn, passwordless push as push).

const FACTOR_OF: Record<PasswordlessKind, SecondFactorKind> = {
  platform: 'webauthn',
  roaming: 'webauthn',
  push: 'push',
};

/** The passwordless kind a sign-in used, from the factors it recorded ("passwordless:platform"). */
function passwordlessKindOf(factors: string[] | undefined): PasswordlessKind | undefined {
  const factor = factors?.find((f) => f.startsWith('passwordless:'));
  return factor?.slice('passwordless:'.length) as PasswordlessKind | undefined;
}

export class RememberBrowserStep implements UserStep {
  readonly id = 'remember-browser';
  readonly requiresUser = true;
  /** After the passkey offer. */
  readonly order = 20;
  readonly stage = 'offer' as const;
  readonly label = 'Remember this browser';

  constructor(private readonly remembered: RememberedDevices) {}

  async isAvailable(ctx: UserStepContext): Promise<boolean> {
    const kind = passwordlessKindOf(ctx.tx.factors);
    if (!kind || !ctx.policy.rememberDevice.enabled) return false;
    const covered = await this.remembered.covering(ctx.browser.deviceId, ctx.user.id, ctx.tx.request.app.id, [
      FACTOR_OF[kind],
    ]);
    return covered === undefined;
  }

  async view(ctx: UserStepContext): Promise<StepView> {
    const { lifetimeMs, scope } = ctx.policy.rememberDevice;
    return {
      template: 'remember-browser',
      model: { username: ctx.user.username, lifetime: lifetimeWords(lifetimeMs), covers: scope },
    };
  }

  async handle(ctx: UserStepContext, form: Record<string, string>): Promise<StepOutcome> {
    const kind = passwordlessKindOf(ctx.tx.factors);
    if (form.remember !== 'yes' || !kind)
      return { kind: 'success', reason: 'the user chose not to remember this browser' };
    if (!ctx.browser.deviceId)
      return { kind: 'success', reason: 'the browser keeps no cookie, so it cannot be remembered' };
    const reason = await this.remembered.rememberSignIn(
      ctx.browser.deviceId,
      ctx,
      FACTOR_OF[kind],
      ctx.tx.methods.at(-1) ?? kind,
    );
    return { kind: 'success', reason };
  }
}
