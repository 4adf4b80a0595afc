import type { Constraints, SignInFailure, SignInOutcome } from '../../authn/contract.ts';
import { errors, type InteractionResults } from 'oidc-provider';
import { acrFor, requestedLevels } from './account.ts';

// Between an OIDC authorization request and Latch's sign-in: the constraints a request puts on
// the sign-in, and the interaction result (or OIDC error) a sign-in outcome becomes. The one
// place where refused sign-ins become OIDC errors, whether oidc-provider answers them after an
// interaction or at once (policy.ts).

export type AuthorizationParams = Record<string, unknown>;

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const words = (value: unknown): string[] => str(value)?.split(/\s+/) ?? [];

/** acr values asked for by acr_values or by the claims parameter (id_token.acr value/values). */
export function requestedAcrs(params: AuthorizationParams): string[] {
  const acrs = words(params.acr_values);
  const claims = parseClaims(params.claims);
  const acr = claims?.id_token?.acr;
  if (acr && typeof acr === 'object') {
    const { value, values } = acr as { value?: unknown; values?: unknown };
    if (typeof value === 'string') acrs.push(value);
    if (Array.isArray(values)) acrs.push(...values.filter((v): v is string => typeof v === 'string'));
  }
  return acrs;
}

function parseClaims(value: unknown): { id_token?: Record<string, unknown> } | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed && typeof parsed === 'object' ? (parsed as { id_token?: Record<string, unknown> }) : undefined;
  } catch {
    return undefined;
  }
}

export function constraintsFrom(params: AuthorizationParams): Constraints {
  const prompts = new Set(words(params.prompt));
  const maxAge = str(params.max_age);
  const constraints: Constraints = {};
  if (prompts.has('login')) constraints.forceAuthn = true;
  if (prompts.has('none')) constraints.passive = true;
  // max_age=0 means "authenticate now", like prompt=login.
  if (maxAge !== undefined && /^\d+$/.test(maxAge)) constraints.maxAgeMs = Number(maxAge) * 1000;
  const levels = requestedLevels(requestedAcrs(params));
  if (levels) constraints.acceptableLevels = levels;
  const hint = str(params.login_hint);
  if (hint) constraints.loginHint = hint.slice(0, 256);
  return constraints;
}

/** Why an authorization request ends without a login: the sign-in failed, or the user declined consent. */
export type OidcRefusal = SignInFailure | 'consent-denied';

const REFUSALS: Record<OidcRefusal, { error: string; error_description: string }> = {
  'login-required': { error: 'login_required', error_description: 'the user is not signed in' },
  'level-unavailable': {
    error: 'unmet_authentication_requirements',
    error_description: 'the requested authentication level cannot be reached for this user',
  },
  'access-denied': { error: 'access_denied', error_description: 'the user may not use this application' },
  cancelled: { error: 'access_denied', error_description: 'the user cancelled the sign-in' },
  'consent-denied': { error: 'access_denied', error_description: 'the user did not allow the application' },
};

/** The OIDC error an interaction ends with (oidc-provider sends it to the relying party). */
export function oidcError(refusal: OidcRefusal): { error: string; error_description: string } {
  return REFUSALS[refusal];
}

/** The same error, thrown where oidc-provider answers the request itself (single sign-on, prompt=none). */
export function oidcRefusal(refusal: OidcRefusal): Error {
  const { error, error_description } = REFUSALS[refusal];
  return new errors.CustomOIDCProviderError(error, error_description);
}

/**
 * What the interaction ends with: a login (accountId, acr, amr, auth time) and the Latch session
 * it rests on, or an OIDC error.
 */
export function interactionResult(outcome: SignInOutcome, params: AuthorizationParams): InteractionResults {
  if (outcome.kind === 'failed') return oidcError(outcome.failure);
  const { result } = outcome;
  return {
    latchSession: result.sessionId,
    login: {
      accountId: result.user.id,
      acr: acrFor(result.level, requestedLevels(requestedAcrs(params))),
      amr: result.amr,
      ts: Math.floor(result.authTime / 1000),
      remember: true,
    },
  };
}

/** The Latch session id an interaction result (see interactionResult) rests on. */
export function latchSessionOf(result: InteractionResults | undefined): string | undefined {
  return typeof result?.latchSession === 'string' ? result.latchSession : undefined;
}
