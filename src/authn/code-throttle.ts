import type { Store } from '../store/contract.ts';
import { records } from '../store/records.ts';
import { minutes } from '../util/words.ts';
import type { StepOutcome } from './step.ts';

// Attempts at passcodes and bypass codes, counted per user in a fixed window. Only someone past
// the password reaches these codes, so counting per user slows guessing without letting strangers
// lock anyone out; a correct code clears the count. An attempt is counted before the code is
// checked, so parallel requests cannot slip past the limit together.

export type CodeVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

export class CodeThrottle {
  constructor(
    private readonly store: Store,
    private readonly limit: { maxFailures: number; window: number },
  ) {}

  /** Counts one attempt; refused when the user already had `maxFailures` wrong ones in the window. */
  async attempt(userId: string): Promise<CodeVerdict> {
    const attempts = await records.codeAttempts.increment(this.store, userId, 1, { ttlMs: this.limit.window });
    if (attempts <= this.limit.maxFailures) return { allowed: true };
    return { allowed: false, retryAfterMs: (await records.codeAttempts.ttl(this.store, userId)) ?? this.limit.window };
  }

  /** How long until the user's attempts are counted afresh; undefined when none are counted. */
  retryAfter(userId: string): Promise<number | undefined> {
    return records.codeAttempts.ttl(this.store, userId);
  }

  async recordSuccess(userId: string): Promise<void> {
    await records.codeAttempts.delete(this.store, userId);
  }
}

/** The answer to a code attempt over the limit (passcodes, bypass codes, enrollment). */
export function tooManyCodes(retryAfterMs: number): StepOutcome {
  const wait = minutes(retryAfterMs);
  const message = `Too many wrong codes. Wait ${wait} and try again.`;
  return {
    kind: 'challenge',
    result: 'throttled',
    message,
    reason: `too many wrong codes for this user; refused for ${wait}`,
  };
}

/** What the user typed, without the spaces and dashes people add. */
export function typedCode(form: Record<string, string>): string {
  return (form.code ?? '').replace(/[\s-]/g, '');
}
