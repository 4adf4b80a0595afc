import type { DirectoryUser } from '../../directory/contract.ts';
import type { EffectivePolicy } from '../policy.ts';
import type { LoginTransaction, Stage } from '../transaction.ts';

// One sign-in method = one Step (STYLE.md, after Keycloak's authenticator SPI). A step says when it
// is usable, what page to show, and handles the page's post-back with a typed outcome; the flow
// engine alone decides what happens next. Adding a method adds a file here and a line in
// registry.ts; protocol front ends never change.

export interface BrowserContext {
  ip: string;
  userAgent: string;
  /** The known-device id from a valid known-device cookie, if the browser has one. */
  deviceId?: string;
}

export interface StepContext {
  tx: LoginTransaction;
  browser: BrowserContext;
  policy: EffectivePolicy;
}

/** What a step wants on the page; src/ui renders a template of the same name. */
export interface StepView {
  template: string;
  model: Record<string, string | number | boolean | string[] | undefined>;
}

export type StepOutcome =
  /** The step is done. The first-stage steps name the user; `amr` and `method` record how. */
  | { kind: 'success'; user?: DirectoryUser; login?: string; method?: string; amr?: string[]; reason: string }
  /** Show the step again, with a message for the user (wrong code, empty field, …). */
  | { kind: 'challenge'; message: string; reason: string; result?: string }
  /** The sign-in ends here; the user must start again or contact support. */
  | { kind: 'failed'; message: string; hint?: string; reason: string; result?: string }
  /** Not applicable after all: let the user pick an alternative. */
  | { kind: 'attempted'; reason: string };

export interface Step {
  readonly id: string;
  readonly stage: Stage;
  /** Shown in "Other options". */
  readonly label: string;
  /** Whether the step can be offered now (enrolled, allowed by policy, browser capable). */
  isAvailable(ctx: StepContext): Promise<boolean>;
  view(ctx: StepContext): Promise<StepView>;
  handle(ctx: StepContext, form: Record<string, string>): Promise<StepOutcome>;
}
