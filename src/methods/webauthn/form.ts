import type { StepOutcome } from '../../authn/step.ts';

// The fields the prompt's WebAuthn script posts: the ceremony's result as JSON, or why there is none.

export const RESPONSE_FIELD = 'webauthn_response';
export const ERROR_FIELD = 'webauthn_error';

/** What the browser said instead of a response: it cannot do WebAuthn, or the user cancelled / it timed out. */
export function browserError(form: Record<string, string>): 'unsupported' | 'cancelled' | undefined {
  const error = form[ERROR_FIELD];
  if (error === 'unsupported') return 'unsupported';
  if (error !== undefined && error !== '') return 'cancelled';
  // No JavaScript: the button posted the form without a response.
  if (!form[RESPONSE_FIELD]) return 'unsupported';
  return undefined;
}

export const CANCELLED_MESSAGE =
  'Nothing was received from your authenticator (it was cancelled or timed out). Try again, or choose another way.';

/**
 * What a second-factor or enrollment step answers when the browser sent no response: the browser
 * cannot do WebAuthn (the attempt ends), or the user cancelled (try again). Undefined: check it.
 */
export function refusedByBrowser(form: Record<string, string>): StepOutcome | undefined {
  const error = browserError(form);
  if (error === 'unsupported') return { kind: 'attempted', reason: 'the browser cannot use WebAuthn' };
  if (error) {
    return {
      kind: 'challenge',
      message: CANCELLED_MESSAGE,
      reason: 'the browser reported no response (cancelled or timed out)',
    };
  }
  return undefined;
}
