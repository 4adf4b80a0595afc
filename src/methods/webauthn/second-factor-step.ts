import type { WebAuthnCeremonies } from './ceremonies.ts';
import { WEBAUTHN_METHOD } from './credentials.ts';
import { RESPONSE_FIELD, refusedByBrowser } from './form.ts';
import { amrOf } from './passwordless.ts';
import type { StepOutcome, StepView, UserStep, UserStepContext } from '../../authn/step.ts';

// WebAuthn as a second factor after the password: any of the user's security keys or platform
// authenticators, user verification preferred (the password was the knowledge factor).

export class WebAuthnSecondFactorStep implements UserStep {
  readonly id = 'webauthn';
  readonly requiresUser = true;
  readonly order = 10;
  readonly stage = 'second-factor' as const;
  readonly label = 'Security key or this device';
  readonly kind = 'webauthn' as const;
  readonly enrolledIn = [WEBAUTHN_METHOD];

  constructor(private readonly ceremonies: WebAuthnCeremonies) {}

  async isAvailable(ctx: UserStepContext): Promise<boolean> {
    return (await this.ceremonies.credentials.list(ctx.user.id)).length > 0;
  }

  async view(ctx: UserStepContext): Promise<StepView> {
    const { user } = ctx;
    const credentials = await this.ceremonies.credentials.list(user.id);
    const options = await this.ceremonies.authenticationOptions(
      { owner: `tx:${ctx.tx.id}`, purpose: 'second-factor', userId: user.id },
      credentials,
      'preferred',
    );
    return {
      template: 'webauthn-authenticate',
      model: { username: user.username, purpose: 'second-factor', options: JSON.stringify(options) },
    };
  }

  async handle(ctx: UserStepContext, form: Record<string, string>): Promise<StepOutcome> {
    const { user } = ctx;
    const refused = refusedByBrowser(form);
    if (refused) return refused;
    const checked = await this.ceremonies.verifyAssertion(
      { owner: `tx:${ctx.tx.id}`, purpose: 'second-factor', userId: user.id },
      form[RESPONSE_FIELD],
      {
        userId: user.id,
        requireUserVerification: false,
        passwordless: false,
        allowedKinds: ['platform', 'roaming'],
        deviceId: ctx.browser.deviceId,
      },
    );
    if (!checked.ok) return { kind: 'challenge', message: checked.message, reason: checked.reason, result: 'failure' };
    const { credential, warning } = checked;
    return {
      kind: 'success',
      method: 'webauthn',
      amr: [amrOf(credential.kind)],
      authenticator: { id: credential.id, name: credential.name },
      reason: `"${credential.name}" (${credential.kind}) verified${warning ? `; ${warning}` : ''}`,
    };
  }
}
