import type { AuthLog } from '../authn/auth-log.ts';
import type { AuthLevel } from '../authn/contract.ts';
import type { FactorChanges } from '../authn/factor-changes.ts';
import type { PasskeyAutofill } from '../authn/identify.ts';
import type { Step } from '../authn/step.ts';
import type { BrowserTrust } from '../authn/user-browsers.ts';
import type { DirectoryUser } from '../directory/contract.ts';
import type { CsrfTokens } from '../http/csrf.ts';
import type { Ctx } from '../http/context.ts';
import type { Route } from '../http/route.ts';
import type { Template } from '../ui/prompt-parts.ts';

// What a sign-in method is to the rest of Latch (after Keycloak's authenticator SPI): its steps in
// the sign-in flow, the prompt pages they show, the account pages where users manage what they
// enrolled, and what it knows of a user's authenticators (what the admin console lists and
// removes). One folder per method under src/methods/ exports one of these; index.ts lists them.

/** One thing a user enrolled: a passkey, a security key, an authenticator app, a phone… */
export interface Authenticator {
  /** Unique within the method; what remove() takes. */
  id: string;
  /** What it is, in words ("Security key", "Authenticator app", "Latch Authenticator"). */
  kind: string;
  /** Its name: the one the user gave it, or a serial number. */
  name: string;
  createdAt?: number;
  lastUsedAt?: number;
  /** Whether it signs the user in without a password (a passkey, passwordless push). */
  passwordless: boolean;
  /** The one device it lives on, when known (a passkey on a laptop: the browser it was made in). */
  device?: string;
}

/** A method's view of one user's authenticators. */
export interface Authenticators {
  /**
   * Whether what it lists is a factor the user enrolled, which a password alone may then not
   * change (factor-changes.ts). Bypass codes, given out by the help desk, are not.
   */
  readonly factor: boolean;
  list(userId: string): Promise<Authenticator[]>;
  /** Removes one; false when the user has no such authenticator. */
  remove(userId: string, id: string): Promise<boolean>;
  /** Removes all of the user's; returns how many there were. */
  removeAll(userId: string): Promise<number>;
}

/** Who is signed in on an account page: what a method's account routes need of the IdP session. */
export interface AccountSession {
  sid: string;
  user: DirectoryUser;
  level: AuthLevel;
}

/** What src/account/ hands each method's account routes. */
export interface AccountRouteDeps {
  /** This browser's session, re-checked against the directory; undefined when nobody is signed in. */
  session(ctx: Ctx): Promise<AccountSession | undefined>;
  csrf: CsrfTokens;
  /** This browser's known-device id, when its cookie is valid (a passkey made here works here). */
  deviceId(ctx: Ctx): string | undefined;
  factorChanges: FactorChanges;
  authLog: AuthLog;
  baseUrl: string;
  maxBodyBytes: number;
}

export interface SignInMethod {
  readonly id: string;
  /** How the method ids it records in a sign-in (LoginTransaction.methods) read to users. */
  readonly labels: Record<string, string>;
  readonly steps: Step[];
  /** Its prompt pages, by StepView.template. */
  readonly templates: Record<string, Template>;
  /** Offered on the first page, before the username (passkeys in the browser's autofill). */
  readonly autofill?: PasskeyAutofill;
  readonly authenticators?: Authenticators;
  /** What it trusts a browser for (listed and revoked with the user's browsers, user-browsers.ts). */
  readonly browserTrust?: BrowserTrust;
  /** Its page on the account site: where users add, rename and remove what they enrolled. */
  readonly account?: {
    path: string;
    /** The account home page's link to it. */
    label: string;
    routes(deps: AccountRouteDeps): Route[];
  };
}
