import type { Json } from '../../store/contract.ts';
import type { PasskeyAutofill } from '../../authn/identify.ts';
import type { StepContext, StepOutcome } from '../../authn/step.ts';
import { allowedPasswordlessKinds, type PasswordlessSignIn } from './passwordless.ts';

// Passkeys from the browser's autofill on the first page (conditional mediation): the page carries
// a challenge for a discoverable sign-in, and picking a passkey signs in without a username. The
// credential names the account; its user handle must agree.

const REFUSED = { passkeyRefused: true };
const isRefused = (data: Json | undefined) =>
  typeof data === 'object' && data !== null && !Array.isArray(data) && data.passkeyRefused === true;

export class DiscoverablePasskeys implements PasskeyAutofill {
  constructor(private readonly passwordless: PasswordlessSignIn) {}

  async options(ctx: StepContext): Promise<string | undefined> {
    // After a refused passkey, offer the username field alone: picking the same passkey again
    // cannot help, and a browser that answers at once would otherwise post it again and again.
    if (isRefused(ctx.tx.stepData)) return undefined;
    if (allowedPasswordlessKinds(ctx.policy.passwordless).length === 0) return undefined;
    const options = await this.passwordless.ceremonies.authenticationOptions(
      { owner: `tx:${ctx.tx.id}`, purpose: 'discoverable' },
      [],
      'required',
    );
    return JSON.stringify(options);
  }

  async signIn(ctx: StepContext, posted: string): Promise<StepOutcome> {
    const verdict = await this.passwordless.verify(ctx, posted, 'discoverable');
    switch (verdict.kind) {
      case 'signed-in':
        return verdict.outcome;
      case 'refused':
        return {
          kind: 'challenge',
          message: 'That passkey could not be used. Enter your username to sign in.',
          reason: verdict.reason,
          result: 'failure',
          stepData: REFUSED,
        };
      case 'not-allowed':
        return {
          kind: 'challenge',
          message: "You can't use this passkey here. Enter your username to sign in another way.",
          reason: verdict.reason,
          result: 'failure',
          stepData: REFUSED,
        };
      case 'disabled':
        return {
          kind: 'failed',
          message: 'Your account is disabled.',
          hint: 'Contact your IT help desk to have it enabled.',
          reason: verdict.reason,
          result: 'failure',
        };
    }
  }
}
