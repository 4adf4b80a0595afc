import type { Counter } from 'prom-client';
import type { DirectoryUser } from '../directory/contract.ts';
import type { AuthLevel, SignInRequest } from './contract.ts';
import { levelSatisfies } from './contract.ts';
import type { AuthEvent, AuthLog } from './auth-log.ts';
import type { EffectivePolicy, PolicyResolver, SecondFactorKind } from './policy.ts';
import type {
  AnonymousStep,
  BrowserContext,
  Step,
  StepContext,
  StepOutcome,
  StepView,
  UserStepContext,
} from './step.ts';
import type { LoginTransaction, Stage, TransactionStore } from './transaction.ts';
import type { RememberedDevices } from './remembered-device.ts';
import { ConditionChecker, type ConditionVerdict } from './conditions.ts';
import type { UserBrowsers } from './user-browsers.ts';
import { lifetimeWords } from '../util/words.ts';

// The sign-in flow engine: identify -> primary (passwordless or password) -> second factor (unless
// not needed: passwordless already was, or a remembered device covers it; a user with none enrolls
// one when policy requires) -> offers -> done. Steps report typed outcomes; only this file decides
// what comes next, and every decision is written to the transaction and the authentication log.

const STAGES: Stage[] = ['identify', 'primary', 'second-factor', 'offer'];

/** How a second factor is named to users. */
const FACTOR_WORDS: Record<SecondFactorKind, string> = {
  passcode: 'an authenticator app or hardware token',
  webauthn: 'a security key or this device',
  push: 'the Latch Authenticator',
  'bypass-code': 'a bypass code',
};

const orList = (items: string[]) =>
  items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;

export type FlowAction =
  | { kind: 'submit'; form: Record<string, string> }
  /** "Not you?": back to the first page. */
  | { kind: 'restart' }
  | { kind: 'cancel' }
  /** "Other options": switch to another alternative within the stage. */
  | { kind: 'choose'; stepId: string };

/** A step with the context it is called with: a step that requires a user gets the user typed. */
export interface BoundStep {
  step: Step;
  isAvailable(): Promise<boolean>;
  view(): Promise<StepView>;
  handle(form: Record<string, string>): Promise<StepOutcome>;
}

function bind(step: Step, ctx: StepContext): BoundStep | undefined {
  if (!step.requiresUser) {
    return {
      step,
      isAvailable: () => step.isAvailable(ctx),
      view: () => step.view(ctx),
      handle: (form) => step.handle(ctx, form),
    };
  }
  if (!ctx.tx.user) return undefined;
  const withUser: UserStepContext = { ...ctx, user: ctx.tx.user };
  return {
    step,
    isAvailable: () => step.isAvailable(withUser),
    view: () => step.view(withUser),
    handle: (form) => step.handle(withUser, form),
  };
}

/**
 * Where an unfinished transaction stands for one browser: the step to show and its alternatives.
 * A request computes it once and hands it on (the prompt checks a posted form against it, then
 * submits with it).
 */
export interface Position {
  tx: LoginTransaction;
  ctx: StepContext;
  current: BoundStep;
  available: BoundStep[];
}

export interface CurrentStep {
  step: Step;
  view: StepView;
  /** Other steps the user may pick in this stage. */
  alternatives: Array<{ id: string; label: string }>;
  /**
   * At a second factor: what a user who cannot use any of the offered factors should do (a
   * passkey on another device must not leave them with no way on).
   */
  stuck?: { username: string; bypassCodes: boolean };
  /** At a second factor, when policy lets the user skip it in this browser next time ("Yes, this is my device"). */
  remember?: { lifetime: string; scope: 'application' | 'all' };
}

export type SubmitResult =
  | { kind: 'moved'; tx: LoginTransaction; message?: string }
  /** Another request moved the transaction first (double submit, second tab): show it afresh. */
  | { kind: 'conflict' }
  | { kind: 'finished'; tx: LoginTransaction };

export interface FlowDeps {
  transactions: TransactionStore;
  steps: Step[];
  policies: PolicyResolver;
  authLog: AuthLog;
  remembered: RememberedDevices;
  /** Where each user's browsers were last used (the account page lists them); absent, not recorded. */
  browsers?: UserBrowsers;
  /** Policy's conditions (network, country, anonymous network, browser); absent, none apply. */
  conditions?: ConditionChecker;
  /** Whether the user has enrolled any factor at all (src/authn/factor-changes.ts). */
  hasAnyFactor: (userId: string) => Promise<boolean>;
  /**
   * The ids of the methods the user has anything enrolled in, in one read (factor-summary.ts):
   * steps with `enrolledIn` are asked only when it names one. Absent, every step is asked.
   */
  enrolled?: (userId: string) => Promise<ReadonlySet<string>>;
  signInCounter?: Counter<'result' | 'method'>;
}

type FirstPageStep = AnonymousStep & { onFirstPage: string };
const ridesFirstPage = (step: AnonymousStep): step is FirstPageStep => step.onFirstPage !== undefined;

function addFactor(tx: LoginTransaction, factor: string): void {
  tx.factors = [...new Set([...(tx.factors ?? []), factor])];
}

/**
 * Whether what a user did earlier (an IdP session's level and factors) satisfies this application's
 * policy: a password-only session does not cover an application that needs a second factor, and a
 * session made with a second factor or passwordless authenticator that the policy does not allow
 * does not cover it either, so the user signs in there again. (A password-only session of a user
 * who has a factor is checked by SignInFlow.reusable.)
 */
export function sessionCovers(policy: EffectivePolicy, level: AuthLevel, factors: string[] | undefined): boolean {
  if (level === 'password') return policy.password && policy.newUser === 'allow';
  if (!factors || factors.length === 0) return true;
  return factors.some((factor) =>
    factor.startsWith('passwordless:')
      ? policy.passwordless.includes(factor.slice('passwordless:'.length) as EffectivePolicy['passwordless'][number])
      : policy.secondFactors.includes(factor as EffectivePolicy['secondFactors'][number]),
  );
}

export class SignInFlow {
  /** The steps in the order they are offered: by `order` within each stage. */
  private readonly steps: Step[];

  constructor(private readonly deps: FlowDeps) {
    this.steps = [...deps.steps].sort((a, b) => a.order - b.order);
  }

  begin(request: SignInRequest, init: Partial<LoginTransaction> = {}): Promise<LoginTransaction> {
    return this.deps.transactions.create(request, init);
  }

  /**
   * A sign-in for a user whom the front end `by` has identified (and whose password it checked):
   * it starts where a correct password would have left it, with the same checks (policy denies,
   * remembered device, new-user policy), so it may already be finished or failed.
   */
  async beginIdentified(
    request: SignInRequest,
    user: DirectoryUser,
    browser: BrowserContext,
    by: string,
  ): Promise<LoginTransaction> {
    const created = await this.deps.transactions.create(request, {
      stage: 'primary',
      user,
      login: user.username,
      identifiedBy: by,
    });
    const loaded = await this.deps.transactions.load(created.id);
    if (!loaded) throw new Error(`login transaction ${created.id} vanished as it was made`);
    const next = structuredClone(loaded.tx);
    await this.advance(next, browser);
    if (!(await this.deps.transactions.save(next, loaded.version)))
      throw new Error(`login transaction ${created.id} moved as it was made`);
    return { ...next, seq: next.seq + 1 };
  }

  /**
   * Whether an earlier sign-in (its level and factors) may be reused for this application without a
   * prompt. A password-only session never covers a user who has a factor: an application that
   * would ask for it must not be reached with the password alone.
   */
  async reusable(
    appId: string,
    user: { id: string; groups: string[] },
    level: AuthLevel,
    factors: string[] | undefined,
    browser?: BrowserContext,
  ): Promise<boolean> {
    const policy = this.deps.policies.resolve(appId, user.groups);
    if (policy.deny || !sessionCovers(policy, level, factors)) return false;
    // Conditions are judged for this request: a session from another network or country does not
    // carry an application past a rule that refuses (or asks more of) where the user is now.
    const condition = browser && this.conditionsFor(policy, browser, appId);
    if (condition && (condition.action === 'deny' || (condition.action === 'require-2fa' && level === 'password')))
      return false;
    return level !== 'password' || !(await this.deps.hasAnyFactor(user.id));
  }

  policyFor(tx: LoginTransaction): EffectivePolicy {
    return this.deps.policies.resolve(tx.request.app.id, tx.user?.groups ?? []);
  }

  /**
   * Where the transaction stands: the step the user is on and its alternatives, without building
   * a page (view() may issue a challenge). A finished transaction has none.
   */
  async position(tx: LoginTransaction, browser: BrowserContext): Promise<Position | undefined> {
    if (tx.completed || tx.outcome) return undefined;
    const ctx = this.context(tx, browser);
    const available = await this.available(tx.stage, ctx);
    const current = available.find((s) => s.step.id === tx.stepId) ?? available[0];
    return current && { tx, ctx, current, available };
  }

  /** The page of the step at this position. */
  async page(position: Position): Promise<CurrentStep> {
    const { current, available, ctx } = position;
    const { step } = current;
    const remember = ctx.policy.rememberDevice;
    const view = await current.view();
    const rider = step.stage === 'identify' ? await this.firstPageRider(ctx) : undefined;
    if (rider) view.model.alsoAsk = rider.id;
    return {
      step,
      view,
      alternatives: available.filter((s) => s !== current).map((s) => ({ id: s.step.id, label: s.step.label })),
      stuck:
        step.stage === 'second-factor' && ctx.tx.user
          ? { username: ctx.tx.user.username, bypassCodes: ctx.policy.secondFactors.includes('bypass-code') }
          : undefined,
      remember:
        step.stage === 'second-factor' && step.kind && remember.enabled
          ? { lifetime: lifetimeWords(remember.lifetimeMs), scope: remember.scope }
          : undefined,
    };
  }

  /** The step to show now, with its page. A finished transaction has none. */
  async current(tx: LoginTransaction, browser: BrowserContext): Promise<CurrentStep | undefined> {
    const position = await this.position(tx, browser);
    return position && this.page(position);
  }

  /**
   * Moves the transaction by one user action. `position` is where the request found it (from
   * position(), for this very tx), so the steps are not worked out again.
   */
  async submit(
    tx: LoginTransaction,
    version: number,
    browser: BrowserContext,
    action: FlowAction,
    position?: Position,
  ): Promise<SubmitResult> {
    const next: LoginTransaction = structuredClone(tx);
    if (browser.platformAuthenticator !== undefined) next.platformAuthenticator = browser.platformAuthenticator;
    let message: string | undefined;
    if (action.kind === 'restart' && tx.identifiedBy) {
      await this.fail(
        next,
        browser,
        'cancelled',
        'cancelled',
        `the user chose another account; ${tx.identifiedBy} named this one`,
      );
    } else if (action.kind === 'restart') {
      this.restart(next, 'the user chose to sign in as someone else');
    } else if (action.kind === 'cancel') {
      await this.fail(next, browser, 'cancelled', 'cancelled', 'the user cancelled the sign-in');
    } else if (action.kind === 'choose') {
      const allowed =
        position?.tx === tx ? position.available : await this.available(next.stage, this.context(next, browser));
      if (!allowed.some((s) => s.step.id === action.stepId))
        return { kind: 'moved', tx, message: 'That option is not available.' };
      next.stepId = action.stepId;
      next.stepData = undefined;
    } else {
      const at = position?.tx === tx ? position : await this.position(next, browser);
      message = at && (await this.handle(next, browser, action.form, at));
    }
    if (!(await this.deps.transactions.save(next, version))) return { kind: 'conflict' };
    const saved = { ...next, seq: next.seq + 1 };
    return saved.completed || saved.outcome ? { kind: 'finished', tx: saved } : { kind: 'moved', tx: saved, message };
  }

  /** Hands the form to the current step and applies its outcome to `tx` (a copy of position.tx). */
  private async handle(
    tx: LoginTransaction,
    browser: BrowserContext,
    form: Record<string, string>,
    position: Position,
  ): Promise<string | undefined> {
    const {
      ctx,
      current: { step },
    } = position;
    // Before the step moves the transaction on: whether its first page asked for the password too.
    const rider = step.stage === 'identify' ? await this.firstPageRider(ctx) : undefined;
    const outcome = this.checkPasswordless(ctx, await position.current.handle(form));
    await this.record(tx, browser, step, outcome);
    switch (outcome.kind) {
      case 'challenge':
        if (outcome.stepData !== undefined) tx.stepData = outcome.stepData;
        return outcome.message;
      case 'attempted':
        return `${step.label} is not available. Choose another way to sign in.`;
      case 'failed':
        tx.failureMessage = { message: outcome.message, hint: outcome.hint };
        await this.fail(tx, browser, 'access-denied', outcome.result ?? 'failure', outcome.reason, false);
        return undefined;
      case 'success': {
        this.applySuccess(tx, step, outcome);
        if (step.stage === 'second-factor') await this.rememberIfAsked(tx, browser, step, form);
        const warning = await this.advance(tx, browser);
        if (!rider || !form[rider.onFirstPage] || tx.stage !== 'primary' || tx.outcome || tx.completed) return warning;
        // The first page carried the password too: the same post goes on to the password step.
        const next = await this.position(tx, browser);
        if (next?.current.step !== rider) return warning;
        return (await this.handle(tx, browser, form, next)) ?? warning;
      }
    }
  }

  /**
   * The step whose field the first page shows under the username (the password), when it is
   * usable and no other primary step may be offered in this browser: then the username routes
   * nowhere else, and one page does both. Decided without the username, as the page is the same for
   * every account; where passkeys or passwordless push may follow the username, it comes first alone.
   */
  private async firstPageRider(ctx: StepContext): Promise<FirstPageStep | undefined> {
    if (ctx.tx.stage !== 'identify') return undefined;
    let rider: FirstPageStep | undefined;
    for (const step of this.steps) {
      if (step.stage !== 'primary' || step.requiresUser) continue;
      if (ridesFirstPage(step)) {
        if (!rider && (await step.isAvailable(ctx))) rider = step;
      } else if (!step.mayApplyBeforeUsername || (await step.mayApplyBeforeUsername(ctx))) return undefined;
    }
    return rider;
  }

  /**
   * A passwordless sign-in names its user only when it succeeds, so the policy for that user's
   * groups is checked here once more, whatever the step checked: a group without passwordless
   * goes on to another way in.
   */
  private checkPasswordless(ctx: StepContext, outcome: StepOutcome): StepOutcome {
    if (outcome.kind !== 'success' || !outcome.passwordless || !outcome.user) return outcome;
    const policy = ctx.policyFor(outcome.user);
    if (policy.passwordless.includes(outcome.passwordless)) return outcome;
    const sources = policy.sources.join(' <- ');
    return {
      kind: 'attempted',
      reason: `policy for ${outcome.user.username} does not allow ${outcome.passwordless} passwordless sign-in (${sources})`,
    };
  }

  private applySuccess(tx: LoginTransaction, step: Step, outcome: Extract<StepOutcome, { kind: 'success' }>): void {
    if (outcome.login !== undefined) tx.login = outcome.login;
    if (outcome.user) tx.user = outcome.user;
    if (outcome.method) tx.methods.push(outcome.method);
    if (outcome.authenticator)
      tx.authenticators = [
        ...(tx.authenticators ?? []),
        { method: outcome.method ?? step.id, ...outcome.authenticator },
      ];
    // A second factor, or a passwordless authenticator (possession plus user verification in one
    // gesture), makes the sign-in multi-factor: the flow adds "mfa", so no second factor follows.
    const multiFactor = step.stage === 'second-factor' || outcome.passwordless !== undefined;
    const amr = multiFactor ? [...(outcome.amr ?? []), 'mfa'] : (outcome.amr ?? []);
    for (const value of amr) if (!tx.amr.includes(value)) tx.amr.push(value);
    if (step.stage === 'second-factor' && step.kind) addFactor(tx, step.kind);
    if (outcome.passwordless) addFactor(tx, `passwordless:${outcome.passwordless}`);
  }

  /** "Yes, this is my device" ticked at a second factor that policy lets a browser remember. */
  private async rememberIfAsked(
    tx: LoginTransaction,
    browser: BrowserContext,
    step: Step,
    form: Record<string, string>,
  ): Promise<void> {
    const policy = this.policyFor(tx);
    if (form.remember !== 'yes' || !policy.rememberDevice.enabled || !step.kind || !tx.user || !browser.deviceId)
      return;
    const reason = await this.deps.remembered.rememberSignIn(
      browser.deviceId,
      { tx, user: tx.user, policy },
      step.kind,
      tx.methods.at(-1) ?? step.id,
    );
    await this.log(tx, browser, 'remember-device', 'success', reason);
  }

  /** Moves to the next stage that has something to do, or finishes; returns a warning for the user, if any. */
  private async advance(tx: LoginTransaction, browser: BrowserContext): Promise<string | undefined> {
    let warning: string | undefined;
    if (tx.user && (tx.stage === 'identify' || tx.stage === 'primary')) {
      const policy = this.policyFor(tx);
      if (policy.deny) {
        await this.fail(
          tx,
          browser,
          'access-denied',
          'denied',
          `policy denies this user this application (${policy.sources.join(' <- ')})`,
        );
        return undefined;
      }
      const verdict = await this.applyConditions(tx, browser, policy);
      if (tx.outcome) return undefined;
      warning = verdict?.warning;
    }
    tx.stepId = undefined;
    tx.stepData = undefined;
    for (const stage of STAGES.slice(STAGES.indexOf(tx.stage) + 1)) {
      tx.stage = stage;
      // A passkey picked from autofill on the first page has already proved who this is.
      if (stage === 'primary' && tx.user) continue;
      // A second factor's steps are looked up only when one may be asked for (not after a passkey).
      let found: BoundStep[] | undefined;
      const lookUp = async () => (found ??= await this.available(stage, this.context(tx, browser)));
      const usable = async () => (await lookUp()).length > 0;
      if (stage === 'second-factor' && !(await this.needsSecondFactor(tx, browser, usable))) {
        if (tx.outcome) return;
        continue;
      }
      const steps = await lookUp();
      if (steps.length > 0) {
        if (stage === 'second-factor') await this.autoStart(tx, browser, steps);
        return warning;
      }
    }
    await this.finish(tx, browser);
    return warning;
  }

  private conditionsFor(
    policy: EffectivePolicy,
    browser: BrowserContext,
    appName: string,
  ): ConditionVerdict | undefined {
    // The address's country and the user agent are read only for a policy that has conditions.
    if (!this.deps.conditions || !ConditionChecker.judges(policy)) return undefined;
    return this.deps.conditions.check(policy, this.deps.conditions.signals(browser), appName);
  }

  /**
   * Policy's conditions for where the user is now, once the user is known: each decision goes to
   * the authentication log with its rule; deny ends the sign-in with what the user can do.
   */
  private async applyConditions(
    tx: LoginTransaction,
    browser: BrowserContext,
    policy: EffectivePolicy,
  ): Promise<ConditionVerdict | undefined> {
    const verdict = this.conditionsFor(policy, browser, tx.request.app.name);
    if (!verdict || verdict.decisions.length === 0) return verdict;
    for (const decision of verdict.decisions) await this.log(tx, browser, 'condition', decision.action, decision.rule);
    tx.condition = { action: verdict.action, rule: verdict.deciding?.rule };
    if (verdict.action === 'deny') {
      const deciding = verdict.deciding!;
      tx.failureMessage = {
        message: deciding.message ?? `You can't sign in to ${tx.request.app.name} from here.`,
        hint: deciding.hint,
      };
      await this.fail(tx, browser, 'access-denied', 'denied', `${deciding.rule} (${policy.sources.join(' <- ')})`);
    }
    return verdict;
  }

  /**
   * "Automatic push" (policy.autoPush): when the step the user lands on at the second factor starts
   * by itself (the push), it is started now, as if the user had pressed its button.
   */
  private async autoStart(tx: LoginTransaction, browser: BrowserContext, steps: BoundStep[]): Promise<void> {
    const first = steps[0]!;
    if (!first.step.autoStart || !this.policyFor(tx).autoPush) return;
    const outcome = await first.handle(first.step.autoStart);
    await this.record(tx, browser, first.step, outcome);
    if (outcome.kind === 'challenge' && outcome.stepData !== undefined) {
      tx.stepId = first.step.id;
      tx.stepData = outcome.stepData;
    }
  }

  /** Named checks that decide whether a second factor is asked for, each with its reason. */
  private async needsSecondFactor(
    tx: LoginTransaction,
    browser: BrowserContext,
    usable: () => Promise<boolean>,
  ): Promise<boolean> {
    const policy = this.policyFor(tx);
    const wantsMfa = !levelSatisfies('password', tx.request.constraints.acceptableLevels);
    if (tx.amr.includes('mfa')) return this.skip(tx, browser, 'the first factor was already multi-factor');
    const condition = tx.condition;
    if (condition?.action === 'allow-without-2fa' && !wantsMfa)
      return this.skip(tx, browser, `${condition.rule}: no second factor needed here`);
    const strict = condition?.action === 'require-2fa';
    const remembered =
      policy.rememberDevice.enabled && tx.user && !strict
        ? await this.deps.remembered.covering(browser.deviceId, tx.user.id, tx.request.app.id, policy.secondFactors)
        : undefined;
    if (remembered) {
      tx.methods.push('remembered-device');
      tx.amr.push('mfa');
      addFactor(tx, remembered.kind);
      const until = new Date(remembered.expiresAt).toISOString();
      return this.skip(
        tx,
        browser,
        `remembered device: ${remembered.method} for ${remembered.scope === 'all' ? 'all applications' : remembered.appId}, until ${until}`,
      );
    }
    if (await usable()) return true;
    if (wantsMfa) {
      await this.fail(
        tx,
        browser,
        'level-unavailable',
        'failure',
        'the application asked for multi-factor authentication and the user has no second factor',
      );
      return false;
    }
    if (strict && policy.newUser === 'allow') {
      tx.failureMessage = {
        message: `${tx.request.app.name} needs a second factor when you sign in from where you are now, and your account has none that it accepts.`,
        hint: 'Sign in from your usual network, or contact your IT help desk to have a second factor set up.',
      };
      await this.fail(
        tx,
        browser,
        'access-denied',
        'denied',
        `${condition!.rule}; the user has no usable second factor`,
      );
      return false;
    }
    if (policy.newUser === 'allow')
      return this.skip(
        tx,
        browser,
        `no second factor enrolled; new-user policy allows (${policy.sources.join(' <- ')})`,
      );
    if (tx.user && (await this.deps.hasAnyFactor(tx.user.id))) return this.refuseUnacceptedFactors(tx, browser, policy);
    tx.failureMessage = {
      message: `${tx.request.app.name} needs a second factor, and your account has none that it accepts.`,
      hint: 'Contact your IT help desk to have one set up.',
    };
    await this.fail(
      tx,
      browser,
      'access-denied',
      'denied',
      `no usable second factor; new-user policy is ${policy.newUser} and nothing can be enrolled here`,
    );
    return false;
  }

  /** The user has factors, none of which this application's policy accepts: refused, never enrolled. */
  private async refuseUnacceptedFactors(
    tx: LoginTransaction,
    browser: BrowserContext,
    policy: EffectivePolicy,
  ): Promise<false> {
    const accepted = policy.secondFactors.map((kind) => FACTOR_WORDS[kind]);
    tx.failureMessage = {
      message:
        accepted.length > 0
          ? `${tx.request.app.name} accepts only ${orList(accepted)} as a second factor, and you have none set up.`
          : `${tx.request.app.name} accepts no second factor that your account has.`,
      hint: 'Contact your IT help desk to have one added to your account.',
    };
    const allowed = policy.secondFactors.join(', ') || 'none';
    const reason = `the user has second factors, none of which policy allows here (secondFactors: ${allowed}; ${policy.sources.join(' <- ')}); not enrolling another after a password alone`;
    await this.fail(tx, browser, 'access-denied', 'denied', reason);
    return false;
  }

  private async skip(tx: LoginTransaction, browser: BrowserContext, reason: string): Promise<false> {
    tx.decisions.push({ at: Date.now(), stage: 'second-factor', result: 'skipped', reason });
    await this.log(tx, browser, 'second-factor', 'skipped', reason);
    return false;
  }

  private async finish(tx: LoginTransaction, browser: BrowserContext): Promise<void> {
    // A user identified by a front end did no passwordless sign-in here, whatever the second factor's amr.
    const passwordless = tx.amr.includes('user') && !tx.methods.includes('password') && !tx.identifiedBy;
    const level: AuthLevel = passwordless ? 'passwordless' : tx.amr.includes('mfa') ? 'mfa' : 'password';
    if (level !== 'password' && !tx.amr.includes('mfa')) tx.amr.push('mfa');
    if (!levelSatisfies(level, tx.request.constraints.acceptableLevels)) {
      await this.fail(
        tx,
        browser,
        'level-unavailable',
        'failure',
        `reached ${level}, the application accepts ${tx.request.constraints.acceptableLevels?.join(', ')}`,
      );
      return;
    }
    tx.completed = { authTime: Date.now(), level };
    if (browser.deviceId && tx.user) {
      const country = this.deps.conditions?.country(browser.ip);
      await this.deps.browsers?.signedIn(browser.deviceId, tx.user.id, {
        userAgent: browser.userAgent,
        ip: browser.ip,
        ...(country ? { country } : {}),
      });
    }
    tx.decisions.push({ at: Date.now(), stage: 'done', result: 'success', reason: `signed in (${level})` });
    await this.log(tx, browser, 'sign-in', 'success', `signed in with ${tx.methods.join(' + ')} (${level})`, {
      level,
      authenticators: tx.authenticators,
    });
    this.deps.signInCounter?.inc({ result: 'success', method: tx.methods.join('+') || 'none' });
  }

  private async fail(
    tx: LoginTransaction,
    browser: BrowserContext,
    failure: 'access-denied' | 'level-unavailable' | 'cancelled',
    result: string,
    reason: string,
    logIt = true,
  ): Promise<void> {
    tx.outcome = { kind: 'failed', failure, app: tx.request.app, continuation: tx.request.continuation };
    tx.decisions.push({ at: Date.now(), stage: tx.stage, result, reason });
    if (logIt) await this.log(tx, browser, 'sign-in', result, reason);
    this.deps.signInCounter?.inc({ result, method: tx.methods.join('+') || 'none' });
  }

  private restart(tx: LoginTransaction, reason: string): void {
    tx.stage = 'identify';
    tx.stepId = undefined;
    tx.stepData = undefined;
    tx.user = undefined;
    tx.methods = [];
    tx.amr = [];
    tx.factors = undefined;
    tx.outcome = undefined;
    tx.completed = undefined;
    tx.failureMessage = undefined;
    tx.decisions.push({ at: Date.now(), stage: 'identify', result: 'restarted', reason });
  }

  private async record(tx: LoginTransaction, browser: BrowserContext, step: Step, outcome: StepOutcome): Promise<void> {
    const result =
      outcome.kind === 'success'
        ? 'success'
        : outcome.kind === 'attempted'
          ? 'not-applicable'
          : (outcome.result ?? outcome.kind);
    tx.decisions.push({ at: Date.now(), stage: step.stage, step: step.id, result, reason: outcome.reason });
    if (step.stage !== 'identify' || outcome.kind !== 'success')
      await this.log(tx, browser, step.id, result, outcome.reason);
    if (result === 'failure' || result === 'throttled') this.deps.signInCounter?.inc({ result, method: step.id });
  }

  private log(
    tx: LoginTransaction,
    browser: BrowserContext,
    event: string,
    result: string,
    reason: string,
    extra: Partial<AuthEvent> = {},
  ): Promise<void> {
    return this.deps.authLog.record({
      ...extra,
      event,
      result,
      reason,
      user: tx.user?.username ?? tx.login,
      userId: tx.user?.id,
      app: tx.request.app.id,
      ip: browser.ip,
      userAgent: browser.userAgent,
      methods: tx.methods.length > 0 ? [...tx.methods] : undefined,
      transaction: tx.id,
    });
  }

  private context(tx: LoginTransaction, browser: BrowserContext): StepContext {
    const appId = tx.request.app.id;
    const reported = { ...browser, platformAuthenticator: browser.platformAuthenticator ?? tx.platformAuthenticator };
    return {
      tx,
      browser: reported,
      policy: this.policyFor(tx),
      policyFor: (user) => this.deps.policies.resolve(appId, user.groups),
    };
  }

  /**
   * The steps the user may use now: of this stage, allowed by policy, usable. Enrollment steps
   * stand in for second factors only when policy requires one and the user has no factor at all:
   * a user whose factors this application does not accept is refused, never enrolled, or a
   * password alone would plant a new factor on a protected account (factor-changes.ts).
   */
  private async available(stage: Stage, ctx: StepContext): Promise<BoundStep[]> {
    const user = ctx.tx.user;
    const enrolled = user && stage === 'second-factor' ? await this.deps.enrolled?.(user.id) : undefined;
    const usable = async (enrollment: boolean) => {
      const steps: BoundStep[] = [];
      for (const step of this.steps) {
        if (step.stage !== stage || Boolean(step.enrollment) !== enrollment) continue;
        if (step.kind && !ctx.policy.secondFactors.includes(step.kind)) continue;
        if (enrolled && step.enrolledIn && !step.enrolledIn.some((method) => enrolled.has(method))) continue;
        const bound = bind(step, ctx);
        if (bound && (await bound.isAvailable())) steps.push(bound);
      }
      return steps;
    };
    const steps = await usable(false);
    if (stage !== 'second-factor' || steps.length > 0 || ctx.policy.newUser !== 'require-enrollment' || !user)
      return steps;
    if (await this.deps.hasAnyFactor(user.id)) return steps;
    return usable(true);
  }
}
