import type { WebAuthnCeremonies } from './ceremonies.ts';
import { CANCELLED_MESSAGE, RESPONSE_FIELD, browserError } from './form.ts';
import { amrOf } from './passwordless.ts';
import type { Step, StepContext, StepOutcome, StepView } from '../../authn/step.ts';

// WebAuthn as a second factor after the password: any of the user's security keys or platform
// authenticators, user verification preferred (the password was the knowledge factor).

export class WebAuthnSecondFactorStep implements Step {
  readonly id = 'webauthn';
  readonly stage = 'second-factor' as const;
  readonly label = 'Security key or this device';
  readonly kind = 'webauthn' as const;

  constructor(private readonly ceremonies: WebAuthnCeremonies) {}

  async isAvailable(ctx: StepContext): Promise<boolean> {
    return ctx.tx.user !== undefined && (await this.ceremonies.credentials.list(ctx.tx.user.id)).length > 0;
  }

  async view(ctx: StepContext): Promise<StepView> {
    const user = ctx.tx.user!;
    const credentials = await this.ceremonies.credentials.list(user.id);
    const options = await this.ceremonies.authenticationOptions({ owner: `tx:${ctx.tx.id}`, purpose: 'second-factor', userId: user.id }, credentials, 'preferred');
    return { template: 'webauthn-authenticate', model: { username: user.username, purpose: 'second-factor', options: JSON.stringify(options) } };
  }

  async handle(ctx: StepContext, form: Record<string, string>): Promise<StepOutcome> {
    const user = ctx.tx.user!;
    const error = browserError(form);
    if (error === 'unsupported') return { kind: 'attempted', reason: 'the browser cannot use WebAuthn' };
    if (error) return { kind: 'challenge', message: CANCELLED_MESSAGE, reason: 'the browser reported no response (cancelled or timed out)' };
    const checked = await this.ceremonies.verifyAssertion({ owner: `tx:${ctx.tx.id}`, purpose: 'second-factor', userId: user.id }, form[RESPONSE_FIELD], {
      userId: user.id,
      requireUserVerification: false,
      passwordless: false,
      allowedKinds: ['platform', 'roaming'],
    });
    if (!checked.ok) return { kind: 'challenge', message: checked.message, reason: checked.reason, result: 'failure' };
    const { credential, warning } = checked;
    return {
      kind: 'success',
      method: 'webauthn',
      amr: [amrOf(credential.kind)],
      reason: `"${credential.name}" (${credential.kind}) verified${warning ? `; ${warning}` : ''}`,
    };
  }
}
