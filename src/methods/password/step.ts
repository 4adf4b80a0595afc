import { setTimeout as sleep } from 'node:timers/promises';
import { minutes } from '../../util/words.ts';
import type { BeforePasswordCheck, Directory, PasswordFailure } from '../../directory/contract.ts';
import type { KnownDevices } from '../../authn/known-device.ts';
import { accountOf, type PasswordAttempt, type PasswordThrottle, type ThrottleRefusal } from '../../authn/throttle.ts';
import type { AnonymousStep, StepContext, StepOutcome, StepView } from '../../authn/step.ts';

// Password against the directory. An empty password is refused before the directory is asked
// (an empty simple bind is an anonymous bind that succeeds on many LDAP servers). A wrong
// password and an unknown user read the same to the user; the log says which. Every attempt is
// counted by the throttle before its password is checked (src/authn/throttle.ts).

const INCORRECT = 'Incorrect username or password.';

/** What the user is told for each directory answer; `hint` says what to do. */
const FAILURES: Record<Exclude<PasswordFailure, 'not-checked'>, { message: string; hint?: string; final: boolean }> = {
  'empty-password': { message: 'Enter your password.', final: false },
  'invalid-credentials': { message: INCORRECT, final: false },
  'user-not-found': { message: INCORRECT, final: false },
  'account-disabled': {
    message: 'Your account is disabled.',
    hint: 'Contact your IT help desk to have it enabled.',
    final: true,
  },
  'account-locked': {
    message: 'Your account is locked after too many failed sign-ins.',
    hint: 'Wait for it to unlock or contact your IT help desk.',
    final: true,
  },
  'account-expired': {
    message: 'Your account has expired.',
    hint: 'Contact your IT help desk to have it extended.',
    final: true,
  },
  'password-expired': {
    message: 'Your password has expired.',
    hint: 'Change it (for example by signing in to a Windows computer on the network) and sign in again.',
    final: true,
  },
  'must-change-password': {
    message: 'You must change your password before you can sign in.',
    hint: 'Change it (for example by signing in to a Windows computer on the network) and sign in again.',
    final: true,
  },
  'not-permitted-at-this-time': {
    message: 'Your account is not allowed to sign in at this time.',
    hint: 'Try again during your permitted hours or contact your IT help desk.',
    final: true,
  },
  'not-permitted-from-this-workstation': {
    message: 'Your account is not allowed to sign in from here.',
    hint: 'Contact your IT help desk.',
    final: true,
  },
  'directory-unavailable': {
    message: "We can't check your password right now.",
    hint: 'Try again in a few minutes.',
    final: false,
  },
};

function throttled(refusal: ThrottleRefusal): StepOutcome {
  return {
    kind: 'challenge',
    result: 'throttled',
    message: `Too many failed attempts. Wait ${minutes(refusal.retryAfterMs)} and try again.`,
    reason: `too many failed passwords for this ${refusal.scope === 'ip' ? 'client address' : 'account'}`,
  };
}

const BUSY: StepOutcome = {
  kind: 'challenge',
  result: 'throttled',
  message: 'Your password is still being checked. Wait a moment and try again.',
  reason: 'another password check of this sign-in was still running',
};

const UNAVAILABLE = FAILURES['directory-unavailable'];

/** A Directory that skipped beforeCheck would let guesses past the account limit: refused. */
const UNCOUNTED: StepOutcome = {
  kind: 'challenge',
  result: 'failure',
  message: `${UNAVAILABLE.message} ${UNAVAILABLE.hint}`,
  reason: 'directory-unavailable (it did not call beforeCheck, so the account could not count the attempt)',
};

export class PasswordStep implements AnonymousStep {
  readonly id = 'password';
  readonly requiresUser = false;
  readonly order = 90;
  readonly stage = 'primary' as const;
  readonly label = 'Password';
  readonly onFirstPage = 'password';

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
    const password = form.password ?? '';
    if (password === '')
      return {
        kind: 'challenge',
        message: 'Enter your password.',
        reason: 'empty password refused before the directory',
      };
    const outcome = (await this.throttle.oneCheckAtATime(ctx.tx.id, () => this.check(ctx, password))) ?? BUSY;
    // Failures wait a little longer than successes take, so timing does not tell them apart. The
    // wait comes after the check, so a second post of this sign-in does not wait for it too.
    if ('result' in outcome && outcome.result === 'failure') await sleep(this.failureDelayMs);
    return outcome;
  }

  /** One password check: counted before the directory is asked, settled once it has answered. */
  private async check(ctx: StepContext, password: string): Promise<StepOutcome> {
    const byAddress = await this.throttle.reserveAddress(ctx.browser.ip);
    if (!byAddress.allowed) return throttled(byAddress);
    const attempt: PasswordAttempt = { ip: ctx.browser.ip };
    const login = ctx.tx.login ?? '';
    const check = await this.directory.verifyPassword(login, password, this.countingFor(ctx, attempt, login));
    if (attempt.account === undefined && !(!check.ok && check.reason === 'directory-unavailable')) return UNCOUNTED;
    if (check.ok) {
      await this.throttle.succeeded(attempt);
      const reason = 'password accepted by the directory';
      return { kind: 'success', user: check.user, method: 'password', amr: ['pwd'], reason };
    }
    if (check.reason === 'not-checked') {
      await this.throttle.notChecked(attempt);
      return attempt.refused ? throttled(attempt.refused) : UNCOUNTED;
    }
    // The user's password was never tried: it does not count against them.
    if (check.reason === 'directory-unavailable') await this.throttle.notChecked(attempt);

    const failure = FAILURES[check.reason];
    const reason = `${check.reason}${check.detail ? ` (${check.detail})` : ''}`;
    if (failure.final)
      return { kind: 'failed', message: failure.message, hint: failure.hint, reason, result: 'failure' };
    return {
      kind: 'challenge',
      message: failure.hint ? `${failure.message} ${failure.hint}` : failure.message,
      reason,
      result: 'failure',
    };
  }

  /** The directory's beforeCheck: counts the attempt against the account the login names. */
  private countingFor(ctx: StepContext, attempt: PasswordAttempt, login: string): BeforePasswordCheck {
    return async (user) => {
      // The account's own known browsers are exempt from its count (see throttle.ts).
      const known = user !== undefined && (await this.knownDevices.isKnownFor(ctx.browser.deviceId, { id: user.id }));
      const verdict = await this.throttle.reserveAccount(attempt, accountOf(user, login), known);
      return verdict.allowed ? 'check' : 'stop';
    };
  }
}
