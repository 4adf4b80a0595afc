import type { Json } from '../../store/contract.ts';
import { tooManyCodes, typedCode, type CodeThrottle } from '../../authn/code-throttle.ts';
import type { PasscodeCheck, PasscodeCredentials } from './credentials.ts';
import { PUSH_METHOD } from '../push/devices.ts';
import { describe, PASSCODES_METHOD } from './records.ts';
import type { StepOutcome, StepView, UserStep, UserStepContext } from '../../authn/step.ts';

// A passcode from the user's authenticator app or hardware OATH token, as a second factor. A
// token that has drifted far ahead is resynchronized on the spot: the user enters its next code
// too. Codes never reach the log; the log says which credential took the code, or why none did.

type Resync = { credentialId: string; counter: number };

/** The Latch Authenticator's offline passcodes (src/authn/push/devices.ts), also accepted here. */
export interface PhonePasscodes {
  forUser(userId: string): Promise<unknown>;
  verifyPasscode(userId: string, code: string): Promise<boolean>;
}

function pendingResync(stepData: Json | undefined): Resync | undefined {
  const resync = stepData && typeof stepData === 'object' && !Array.isArray(stepData) ? stepData.resync : undefined;
  if (!resync || typeof resync !== 'object' || Array.isArray(resync)) return undefined;
  const { credentialId, counter } = resync;
  return typeof credentialId === 'string' && typeof counter === 'number' ? { credentialId, counter } : undefined;
}

export class PasscodeStep implements UserStep {
  readonly id = 'passcode';
  readonly requiresUser = true;
  readonly order = 30;
  readonly stage = 'second-factor' as const;
  readonly label = 'Passcode';
  readonly kind = 'passcode' as const;
  /** The phone's passcodes count too. */
  readonly enrolledIn = [PASSCODES_METHOD, PUSH_METHOD];

  constructor(
    private readonly credentials: PasscodeCredentials,
    private readonly throttle: CodeThrottle,
    private readonly phone?: PhonePasscodes,
  ) {}

  async isAvailable(ctx: UserStepContext): Promise<boolean> {
    const { user } = ctx;
    return (
      (await this.credentials.hasAny(user.id)) ||
      (this.phone !== undefined && (await this.phone.forUser(user.id)) !== undefined)
    );
  }

  async view(ctx: UserStepContext): Promise<StepView> {
    const { user } = ctx;
    const sources = new Set((await this.credentials.listForUser(user.id)).map((c) => c.source));
    return {
      template: 'passcode',
      model: {
        username: user.username,
        resync: pendingResync(ctx.tx.stepData) !== undefined,
        app: sources.has('app') || (this.phone !== undefined && (await this.phone.forUser(user.id)) !== undefined),
        token: sources.has('token'),
      },
    };
  }

  async handle(ctx: UserStepContext, form: Record<string, string>): Promise<StepOutcome> {
    const { user } = ctx;
    const code = typedCode(form);
    if (code === '') return { kind: 'challenge', message: 'Enter the code.', reason: 'empty passcode' };
    if (!/^\d{6,8}$/.test(code))
      return {
        kind: 'challenge',
        message: 'A passcode is 6 or 8 digits. Check it and try again.',
        reason: 'malformed passcode',
      };

    const verdict = await this.throttle.attempt(user.id);
    if (!verdict.allowed) return tooManyCodes(verdict.retryAfterMs);
    const resync = pendingResync(ctx.tx.stepData);
    const check = resync
      ? await this.credentials.resync(user.id, resync.credentialId, resync.counter, code)
      : await this.credentials.verify(user.id, code);
    if (check.ok) {
      await this.throttle.recordSuccess(user.id);
      const how = resync ? ' after resynchronizing the token' : '';
      return {
        kind: 'success',
        method: 'passcode',
        amr: ['otp'],
        authenticator: { id: check.credential.id, name: describe(check.credential) },
        reason: `passcode from ${describe(check.credential)} accepted${how}`,
      };
    }
    if (!resync && check.reason !== 'resync-needed' && this.phone && (await this.phone.verifyPasscode(user.id, code))) {
      await this.throttle.recordSuccess(user.id);
      return {
        kind: 'success',
        method: 'passcode',
        amr: ['otp'],
        reason: 'passcode from the Latch Authenticator accepted',
      };
    }
    return this.refusal(check, resync !== undefined);
  }

  private refusal(check: Exclude<PasscodeCheck, { ok: true }>, resyncing: boolean): StepOutcome {
    if (check.reason === 'resync-needed') {
      return {
        kind: 'challenge',
        result: 'resync',
        message: 'Your token is out of step with Latch. Press its button again and enter the new code.',
        reason: `code matched a hardware token beyond its look-ahead window (counter ${check.counter}); asked for the next code to resynchronize`,
        stepData: { resync: { credentialId: check.credentialId, counter: check.counter } },
      };
    }
    if (resyncing) {
      return {
        kind: 'challenge',
        result: 'failure',
        message: 'That was not the next code of your token. Press its button and enter the new code.',
        reason: 'the second code did not follow the first; token not resynchronized',
        stepData: null,
      };
    }
    if (check.reason === 'reused') {
      return {
        kind: 'challenge',
        result: 'failure',
        message: 'That code was already used. Wait for a new code and enter it.',
        reason: 'passcode already used (each code works once)',
      };
    }
    return {
      kind: 'challenge',
      result: 'failure',
      message: 'That code is not right. Check it and try again.',
      reason: 'wrong passcode',
    };
  }
}
