import type { RegistrationMode, WebAuthnCeremonies } from './ceremonies.ts';
import { RESPONSE_FIELD, refusedByBrowser } from './form.ts';
import { amrOf } from './passwordless.ts';
import type { StepOutcome, StepView, UserStep, UserStepContext } from '../../authn/step.ts';

// Enrollment of a first second factor right after a correct password, when policy requires one:
// a security key or this device. A discoverable, user-verifying registration is a passkey too.

const MODE: RegistrationMode = {
  residentKey: 'preferred',
  userVerification: 'preferred',
  allowedKinds: ['platform', 'roaming'],
  passkey: false,
};

export class WebAuthnEnrollStep implements UserStep {
  readonly id = 'webauthn-enroll';
  readonly requiresUser = true;
  readonly order = 20;
  readonly stage = 'second-factor' as const;
  readonly label = 'Set up a security key or this device';
  readonly kind = 'webauthn' as const;
  readonly enrollment = true;

  constructor(private readonly ceremonies: WebAuthnCeremonies) {}

  async isAvailable(ctx: UserStepContext): Promise<boolean> {
    return !ctx.user.disabled;
  }

  async view(ctx: UserStepContext): Promise<StepView> {
    const { user } = ctx;
    const options = await this.ceremonies.registrationOptions(
      { owner: `tx:${ctx.tx.id}`, purpose: 'enroll', userId: user.id },
      user,
      MODE,
    );
    return {
      template: 'webauthn-register',
      model: { username: user.username, purpose: 'enroll', options: JSON.stringify(options), name: '' },
    };
  }

  async handle(ctx: UserStepContext, form: Record<string, string>): Promise<StepOutcome> {
    const { user } = ctx;
    const refused = refusedByBrowser(form);
    if (refused) return refused;
    const registered = await this.ceremonies.register(
      { owner: `tx:${ctx.tx.id}`, purpose: 'enroll', userId: user.id },
      form[RESPONSE_FIELD],
      MODE,
      {
        name: form.name,
        userAgent: ctx.browser.userAgent,
        username: user.username,
      },
    );
    if (!registered.ok)
      return { kind: 'challenge', message: registered.message, reason: registered.reason, result: 'failure' };
    const { credential } = registered;
    return {
      kind: 'success',
      method: 'webauthn',
      amr: [amrOf(credential.kind)],
      reason: `enrolled "${credential.name}" (${credential.kind}${credential.passwordless ? ', passkey' : ''}) as a second factor`,
    };
  }
}
