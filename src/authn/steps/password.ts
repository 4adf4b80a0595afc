import { setTimeout as sleep } from 'node:timers/promises';
import type { Directory, PasswordFailure } from '../../directory/contract.ts';
import type { KnownDevices } from '../known-device.ts';
import type { PasswordThrottle } from '../throttle.ts';
import type { Step, StepContext, StepOutcome, StepView } from './step.ts';

// Password against the directory. An empty password is refused before the directory is asked
// (an empty simple bind is an anonymous bind that succeeds on many LDAP servers). A wrong
// password and an unknown user read the same to the user; the log says which.

const INCORRECT = 'Incorrect username or password.';

/** What the user is told for each directory answer; `hint` says what to do. */
const FAILURES: Record<PasswordFailure, { message: string; hint?: string; final: boolean }> = {
  'empty-password': { message: 'Enter your password.', final: false },
  'invalid-credentials': { message: INCORRECT, final: false },
  'user-not-found': { message: INCORRECT, final: false },
  'account-disabled': { message: 'Your account is disabled.', hint: 'Contact your IT help desk to have it enabled.', final: true },
  'account-locked': { message: 'Your account is locked after too many failed sign-ins.', hint: 'Wait for it to unlock or contact your IT help desk.', final: true },
  'account-expired': { message: 'Your account has expired.', hint: 'Contact your IT help desk to have it extended.', final: true },
  'password-expired': { message: 'Your password has expired.', hint: 'Change it (for example by signing in to a Windows computer on the network) and sign in again.', final: true },
  'must-change-password': { message: 'You must change your password before you can sign in.', hint: 'Change it (for example by signing in to a Windows computer on the network) and sign in again.', final: true },
  'not-permitted-at-this-time': { message: 'Your account is not allowed to sign in at this time.', hint: 'Try again during your permitted hours or contact your IT help desk.', final: true },
  'not-permitted-from-this-workstation': { message: 'Your account is not allowed to sign in from here.', hint: 'Contact your IT help desk.', final: true },
  'directory-unavailable': { message: "We can't check your password right now.", hint: 'Try again in a few minutes.', final: false },
};

/** "1 minute", "5 minutes": how long a throttled user waits. */
export function minutes(ms: number): string {
  const m = Math.max(1, Math.ceil(ms / 60_000));
  return m === 1 ? '1 minute' : `${m} minutes`;
}

export class PasswordStep implements Step {
  readonly id = 'password';
  readonly stage = 'primary' as const;
  readonly label = 'Password';

  constructor(
    private readonly directory: Directory,
    private readonly throttle: PasswordThrottle,
    private readonly knownDevices: KnownDevices,
    private readonly failureDelayMs: number,
  ) {}

  async isAvailable(ctx: StepContext): Promise<boolean> {
    return ctx.policy.password;
  }

  async view(ctx: StepContext): Promise<StepView> {
    return { template: 'password', model: { username: ctx.tx.login ?? '' } };
  }

  async handle(ctx: StepContext, form: Record<string, string>): Promise<StepOutcome> {
    const login = ctx.tx.login ?? '';
    const password = form.password ?? '';
    if (password === '') return { kind: 'challenge', message: 'Enter your password.', reason: 'empty password refused before the directory' };

    const knownBrowser = await this.knownDevices.isKnownFor(ctx.browser.deviceId, { login });
    const verdict = await this.throttle.check(login.toLowerCase(), ctx.browser.ip, knownBrowser);
    if (!verdict.allowed) {
      return {
        kind: 'challenge',
        result: 'throttled',
        message: `Too many failed attempts. Wait ${minutes(verdict.retryAfterMs)} and try again.`,
        reason: `too many failed passwords for this ${verdict.scope === 'ip' ? 'client address' : 'account'}`,
      };
    }

    const check = await this.directory.verifyPassword(login, password);
    if (check.ok) {
      await this.throttle.recordSuccess(login.toLowerCase());
      return { kind: 'success', user: check.user, method: 'password', amr: ['pwd'], reason: 'password accepted by the directory' };
    }

    const failure = FAILURES[check.reason];
    if (check.reason !== 'directory-unavailable') await this.throttle.recordFailure(login.toLowerCase(), ctx.browser.ip, knownBrowser);
    // Failures wait a little longer than successes take, so timing does not tell them apart.
    await sleep(this.failureDelayMs);
    const reason = `${check.reason}${check.detail ? ` (${check.detail})` : ''}`;
    if (failure.final) return { kind: 'failed', message: failure.message, hint: failure.hint, reason, result: 'failure' };
    return { kind: 'challenge', message: failure.hint ? `${failure.message} ${failure.hint}` : failure.message, reason, result: 'failure' };
  }
}
