import type { DirectoryUser } from '../directory/contract.ts';
import type { Json } from '../store/contract.ts';
import type { EffectivePolicy, PasswordlessKind, SecondFactorKind } from './policy.ts';
import type { LoginTransaction, Stage } from './transaction.ts';

// A sign-in step (STYLE.md, after Keycloak's authenticator SPI): one page of one method. A step says
// when it is usable, what page to show, and handles the page's post-back with a typed outcome;
// the flow engine alone decides what happens next. Methods (src/methods/<method>/) bring their
// steps; protocol front ends never change.

export interface BrowserContext {
  ip: string;
  userAgent: string;
  /** The known-device id from a valid known-device cookie, if the browser has one. */
  deviceId?: string;
  /**
   * What the prompt's script reported: whether the browser has a user-verifying platform
   * authenticator (PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable()).
   * Undefined when no script ran; the flow keeps the last report in the transaction.
   */
  platformAuthenticator?: boolean;
}

export interface StepContext {
  tx: LoginTransaction;
  browser: BrowserContext;
  /** The policy for the transaction's user (or, before anyone is identified, without groups). */
  policy: EffectivePolicy;
  /**
   * The policy for a given user of this application. A step that finds its user itself (passwordless
   * push by device, a passkey) decides with this, not with `policy`, which knows no groups yet.
   */
  policyFor(user: Pick<DirectoryUser, 'groups'>): EffectivePolicy;
}

/** The context of a step that requires a user: the transaction's user, typed. */
export interface UserStepContext extends StepContext {
  user: DirectoryUser;
}

/** What a step wants on the page; src/ui renders a template of the same name. */
export interface StepView {
  template: string;
  model: Record<string, string | number | boolean | string[] | undefined>;
}

export type StepOutcome =
  /** The step is done. The first-stage steps name the user; `amr` and `method` record how. */
  | {
      kind: 'success';
      user?: DirectoryUser;
      login?: string;
      method?: string;
      amr?: string[];
      /**
       * A passwordless sign-in: which kind of authenticator, checked against policy.passwordless for
       * later apps. The flow then counts the sign-in as multi-factor (adds "mfa").
       */
      passwordless?: PasswordlessKind;
      /** The authenticator that was used (a passkey, the phone), by id and name, for the authentication log. */
      authenticator?: { id: string; name: string };
      reason: string;
    }
  /**
   * Show the step again, with a message for the user (wrong code, empty field, …). A step with
   * several pages (enroll, then confirm) passes what it needs next in `stepData`.
   */
  | { kind: 'challenge'; message?: string; reason: string; result?: string; stepData?: Json }
  /** The sign-in ends here; the user must start again or contact support. */
  | { kind: 'failed'; message: string; hint?: string; reason: string; result?: string }
  /** Not applicable after all: let the user pick an alternative. */
  | { kind: 'attempted'; reason: string };

interface StepBase {
  readonly id: string;
  readonly stage: Stage;
  /** Shown in "Other options". */
  readonly label: string;
  /** Where the step stands among the alternatives of its stage: lower first (the first usable one is shown). */
  readonly order: number;
  /**
   * Second-factor steps: the kind policy allows or not (`policy.secondFactors`). The flow offers
   * the step only when the effective policy lists it, and records it on a remembered device.
   */
  readonly kind?: SecondFactorKind;
  /**
   * A step that can start by itself (the push): the form it posts when policy asks for that
   * (policy.autoPush), as soon as the user reaches it after the password.
   */
  readonly autoStart?: Record<string, string>;
  /**
   * A second-factor step that enrolls a user who has none (new-user policy "require-enrollment"):
   * the flow offers it only when the user has no factor at all.
   */
  readonly enrollment?: boolean;
  /**
   * A step about what the user enrolled: the ids of the methods (src/methods/<id>/) in one of which
   * the user must have something for the step to be usable. The flow reads the user's factor
   * summary (factor-summary.ts) once and asks only these steps, which still check their records.
   */
  readonly enrolledIn?: readonly string[];
}

/** A step that works before anyone is identified (the username, a passkey, the password). */
export interface AnonymousStep extends StepBase {
  readonly requiresUser: false;
  /** Whether the step can be offered now (allowed by policy, browser capable). */
  isAvailable(ctx: StepContext): Promise<boolean>;
  view(ctx: StepContext): Promise<StepView>;
  handle(ctx: StepContext, form: Record<string, string>): Promise<StepOutcome>;
  /**
   * A primary step that can ride on the first page (the password), by the form field it reads:
   * when it is usable and no other primary step may be offered, the first page shows that field
   * under the username, and a post that fills it does both steps (two pages become one).
   */
  readonly onFirstPage?: string;
  /**
   * A primary step that is not onFirstPage: whether it may be offered to anyone in this browser,
   * decided before the username is known (the first page cannot know whose it is). Absent: it may,
   * and the first page asks for the username alone.
   */
  mayApplyBeforeUsername?(ctx: StepContext): Promise<boolean>;
}

/** A step about a known user (second factors, enrollment, offers): the flow offers it only then. */
export interface UserStep extends StepBase {
  readonly requiresUser: true;
  /** Whether the step can be offered to this user now (enrolled, allowed by policy, browser capable). */
  isAvailable(ctx: UserStepContext): Promise<boolean>;
  view(ctx: UserStepContext): Promise<StepView>;
  handle(ctx: UserStepContext, form: Record<string, string>): Promise<StepOutcome>;
}

export type Step = AnonymousStep | UserStep;
