import type { DirectoryUser } from '../directory/contract.ts';
import type { Json } from '../store/contract.ts';

// What protocol front ends (src/idp/saml, src/idp/oidc, the account page) and the sign-in flow
// agree on. A front end describes the application and the request's constraints; the flow
// decides which methods to run and hands back who signed in and how. The flow knows nothing
// about SAML or OIDC, and front ends know nothing about factors.

export type Protocol = 'saml' | 'oidc' | 'account' | 'authapi';

/** The application id of Latch's own account pages: for policy and the authentication log. */
export const ACCOUNT_APP_ID = 'account';

export interface AppRef {
  /** Policy key: a SAML entity ID, an OIDC client id, or "account". */
  id: string;
  /** Shown to the user ("Sign in to <name>"). */
  name: string;
  protocol: Protocol;
}

/**
 * How strongly a user authenticated, from weakest to strongest. `mfa` is password plus a second
 * factor; `passwordless` (one gesture on an authenticator with user verification) counts as
 * multi-factor too.
 */
export type AuthLevel = 'password' | 'mfa' | 'passwordless';

export interface Constraints {
  /** Re-authenticate even when a session exists (SAML ForceAuthn, OIDC prompt=login). */
  forceAuthn?: boolean;
  /** Never show a prompt; fail with "login-required" instead (SAML IsPassive, OIDC prompt=none). */
  passive?: boolean;
  /** A session older than this needs a new sign-in (OIDC max_age), in milliseconds. */
  maxAgeMs?: number;
  /** The request accepts any of these levels (SAML RequestedAuthnContext, OIDC acr_values); absent: any. */
  acceptableLevels?: AuthLevel[];
  /** Username to prefill (OIDC login_hint, SAML Subject). */
  loginHint?: string;
}

export interface Continuation {
  /** Same-origin path the browser is sent to when the sign-in ends, e.g. "/saml2/idp/continue". */
  returnPath: string;
  /** Whatever the front end needs to answer the request (request id, ACS URL, RelayState…). */
  data: Json;
}

export interface SignInRequest {
  app: AppRef;
  constraints: Constraints;
  continuation: Continuation;
}

/** Who signed in and how: what a front end puts into its assertion or ID token. */
export interface SignInResult {
  user: DirectoryUser;
  /** Epoch milliseconds of the authentication that this result rests on. */
  authTime: number;
  level: AuthLevel;
  /** RFC 8176 authentication method references, e.g. ["pwd"], ["pwd", "otp", "mfa"], ["hwk", "user", "mfa"]. */
  amr: string[];
  /** Latch method ids used, e.g. ["password", "totp"]. */
  methods: string[];
  /** The IdP session this sign-in belongs to. */
  sessionId: string;
  /**
   * When the answer came from an existing session: what it recorded of each application, as read
   * for this request, so a front end need not read the session again to see that nothing changed.
   */
  sessionApps?: Readonly<Record<string, { name: string; data?: Json }>>;
  app: AppRef;
  continuation: Continuation;
}

/** Why a sign-in ended without a user, in terms a front end can map to its protocol's errors. */
export type SignInFailure =
  /** Passive request and no usable session (SAML NoPassive, OIDC login_required). */
  | 'login-required'
  /** The requested level cannot be reached for this user/app (SAML NoAuthnContext, OIDC unmet_authentication_requirements). */
  | 'level-unavailable'
  /** Policy denies this user this application (SAML RequestDenied, OIDC access_denied). */
  | 'access-denied'
  /** The user gave up (Cancel) (SAML AuthnFailed, OIDC access_denied). */
  | 'cancelled';

export type SignInOutcome =
  | { kind: 'done'; result: SignInResult }
  | { kind: 'failed'; failure: SignInFailure; app: AppRef; continuation: Continuation };

/** Levels a request accepts; true when `actual` satisfies it. */
export function levelSatisfies(actual: AuthLevel, acceptable: AuthLevel[] | undefined): boolean {
  if (!acceptable || acceptable.length === 0) return true;
  return acceptable.some((wanted) =>
    wanted === 'password' ? true : wanted === 'mfa' ? actual !== 'password' : actual === 'passwordless',
  );
}
