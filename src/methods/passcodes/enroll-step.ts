import { createHmac } from 'node:crypto';
import { tooManyCodes, typedCode, type CodeThrottle } from '../../authn/code-throttle.ts';
import type { PasscodeCredentials } from './credentials.ts';
import { appEnrollmentUri, confirmAppCode } from './enrollment.ts';
import { groupSecret, secretFromBytes } from './otp.ts';
import type { LoginTransaction } from '../../authn/transaction.ts';
import type { StepOutcome, StepView, UserStep, UserStepContext } from '../../authn/step.ts';

// Inline enrollment of an authenticator app, for a user with no second factor whose policy
// requires one: a QR code (and the key, to type instead), then a code from the app to prove it
// was added. The secret is derived from the transaction with a key from the server secret, so
// reloading the page shows the same QR code and nothing secret waits in the store unconfirmed.

export interface EnrollSettings {
  issuer: string;
  totpSkew: number;
}

export class PasscodeEnrollStep implements UserStep {
  readonly id = 'passcode-enroll';
  readonly requiresUser = true;
  /** A new user is first offered an authenticator app (any phone will do). */
  readonly order = 10;
  readonly stage = 'second-factor' as const;
  readonly label = 'Authenticator app';
  readonly kind = 'passcode' as const;
  readonly enrollment = true;

  constructor(
    private readonly credentials: PasscodeCredentials,
    private readonly throttle: CodeThrottle,
    /** Derived from the server secret, for this step only. */
    private readonly macKey: Buffer,
    private readonly settings: EnrollSettings,
  ) {}

  private derive(tx: LoginTransaction, userId: string, purpose: string): Buffer {
    return createHmac('sha256', this.macKey).update(`${purpose}:${tx.id}:${userId}`).digest();
  }

  private secretFor(tx: LoginTransaction, userId: string): string {
    return secretFromBytes(this.derive(tx, userId, 'secret').subarray(0, 20));
  }

  async isAvailable(): Promise<boolean> {
    return true;
  }

  async view(ctx: UserStepContext): Promise<StepView> {
    const { user } = ctx;
    const secret = this.secretFor(ctx.tx, user.id);
    return {
      template: 'passcode-enroll',
      model: {
        username: user.username,
        otpauthUri: appEnrollmentUri(this.settings.issuer, user.username, secret),
        secret: groupSecret(secret),
        issuer: this.settings.issuer,
      },
    };
  }

  async handle(ctx: UserStepContext, form: Record<string, string>): Promise<StepOutcome> {
    const { user } = ctx;
    const code = typedCode(form);
    if (code === '')
      return { kind: 'challenge', message: 'Enter the 6-digit code the app shows.', reason: 'empty enrollment code' };
    if (!/^\d{6}$/.test(code))
      return {
        kind: 'challenge',
        message: 'The app shows a 6-digit code. Check it and try again.',
        reason: 'malformed enrollment code',
      };

    const verdict = await this.throttle.attempt(user.id);
    if (!verdict.allowed) return tooManyCodes(verdict.retryAfterMs);
    const secret = this.secretFor(ctx.tx, user.id);
    const step = confirmAppCode(secret, code, this.settings.totpSkew);
    if (step === undefined) {
      return {
        kind: 'challenge',
        result: 'failure',
        message:
          "That code is not right. Check that the app shows Latch's code for your account, and that your phone's clock is right.",
        reason: 'wrong code while enrolling an authenticator app',
      };
    }
    // The id follows from the transaction too: a second tab confirming the same QR code adds
    // nothing, and its code must then pass as any passcode would (once).
    const id = `app-${this.derive(ctx.tx, user.id, 'id').toString('base64url').slice(0, 22)}`;
    const added = await this.credentials.addApp(user.id, id, secret, step);
    if (!added && !(await this.credentials.verify(user.id, code)).ok) {
      return {
        kind: 'challenge',
        result: 'failure',
        message: 'That code was already used. Wait for a new code and enter it.',
        reason: 'enrollment code already used',
      };
    }
    await this.throttle.recordSuccess(user.id);
    return {
      kind: 'success',
      method: 'passcode',
      amr: ['otp'],
      reason: 'enrolled an authenticator app (TOTP) and accepted its first code',
    };
  }
}
