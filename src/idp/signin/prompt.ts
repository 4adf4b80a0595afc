import type { SignInFlow, FlowAction } from '../../authn/flow.ts';
import type { LoginTransaction, TransactionStore } from '../../authn/transaction.ts';
import type { CsrfTokens } from '../../http/csrf.ts';
import type { Ctx } from '../../http/context.ts';
import { form, route, type Route } from '../../http/route.ts';
import { promptPage } from '../../ui/prompt.ts';
import { PLATFORM_AUTHENTICATOR_FIELD, type Template } from '../../ui/prompt-parts.ts';
import { LatchError } from '../../util/errors.ts';
import type { BrowserCookies } from './cookies.ts';
import type { SignInService } from './service.ts';

// The sign-in prompt at /login?tx=…: shows the transaction's current step and feeds its form to
// the flow engine. When the flow finishes, the sign-in service (service.ts) completes it and the
// browser goes back to the front end that asked.

export interface PromptDeps {
  flow: SignInFlow;
  /** The methods' prompt templates, by name (src/methods/index.ts). */
  templates: Record<string, Template>;
  transactions: TransactionStore;
  signIn: SignInService;
  cookies: BrowserCookies;
  csrf: CsrfTokens;
  maxBodyBytes: number;
}

const EXPIRED = () =>
  new LatchError({
    status: 400,
    code: 'transaction_expired',
    publicMessage: 'Your sign-in session expired.',
    hint: 'Start again: go back to the application and sign in.',
    detail: 'unknown or expired login transaction',
  });

const OTHER_BROWSER = () =>
  new LatchError({
    status: 403,
    code: 'transaction_foreign',
    publicMessage: 'This sign-in was started in another browser.',
    hint: 'Start again from the application in this browser.',
    detail: 'flow-binding cookie does not match the transaction',
  });

/** The prompt script's report (src/ui/browser/webauthn.ts): "yes", "no", or nothing when no script ran. */
function reportedPlatformAuthenticator(form: Record<string, string>): boolean | undefined {
  const value = form[PLATFORM_AUTHENTICATOR_FIELD];
  return value === 'yes' ? true : value === 'no' ? false : undefined;
}

const STALE_NOTICE = 'This page was out of date, so nothing was sent. Check it and try again.';

export function promptRoutes(deps: PromptDeps): Route[] {
  const { flow, transactions, cookies, csrf } = deps;

  /** A form's token is good for one transaction, at its current step, in this browser. */
  const csrfPurpose = (tx: LoginTransaction, binding: string) => `tx:${tx.id}:${tx.seq}:${binding}`;

  /** The transaction of ?tx=, which must belong to this browser; the first view claims it. */
  async function owned(ctx: Ctx, claim: boolean): Promise<{ tx: LoginTransaction; version: number; binding: string }> {
    const found = await deps.signIn.owned(ctx, claim);
    if (!found.ok) throw found.reason === 'expired' ? EXPIRED() : OTHER_BROWSER();
    return found;
  }

  async function render(ctx: Ctx, tx: LoginTransaction, binding: string, message?: string): Promise<void> {
    if (tx.outcome || tx.completed) return showFinished(ctx, tx);
    const current = await flow.current(tx, cookies.context(ctx));
    if (!current) throw EXPIRED();
    ctx.type = 'html';
    const page = {
      appName: tx.request.app.name,
      action: `/login?tx=${tx.id}`,
      csrf: csrf.issue(csrfPurpose(tx, binding)),
      message,
      current,
    };
    ctx.body = promptPage(page, deps.templates).text;
  }

  /** A finished transaction: continue to the front end, or explain why the sign-in ended. */
  async function showFinished(ctx: Ctx, tx: LoginTransaction): Promise<void> {
    if (tx.completed && !tx.outcome) {
      const next = await deps.signIn.complete(ctx, tx);
      if (!next) throw EXPIRED();
      return ctx.redirect(next);
    }
    const outcome = tx.outcome!;
    const back = `${tx.request.continuation.returnPath}?tx=${tx.id}`;
    if (outcome.kind === 'done' || outcome.failure === 'cancelled') return ctx.redirect(back);
    const message =
      tx.failureMessage?.message ??
      (outcome.failure === 'level-unavailable'
        ? `${tx.request.app.name} needs a stronger sign-in than your account can give.`
        : `You can't sign in to ${tx.request.app.name}.`);
    const hint = tx.failureMessage?.hint ?? 'If you think you should have access, contact your IT help desk.';
    throw new LatchError({
      status: 403,
      code: outcome.failure.replace('-', '_'),
      publicMessage: message,
      hint,
      links: [{ href: back, label: `Return to ${tx.request.app.name}` }],
      detail: `transaction ${tx.id} ended with ${outcome.failure}`,
    });
  }

  /** A form from another step, an earlier page or another browser: the page again, with a notice. */
  function stale(ctx: Ctx, tx: LoginTransaction): void {
    ctx.state.log.warn({ transaction: tx.id }, 'sign-in form refused: stale or forged CSRF token, or another step');
    ctx.redirect(`/login?tx=${tx.id}&notice=stale`);
  }

  return [
    route({
      method: 'get',
      path: '/login',
      auth: (ctx) => owned(ctx, true),
      async handle(ctx, { caller }) {
        let { tx } = caller;
        if (tx.checkSessionOnView) {
          if (await deps.signIn.answerFromSession(ctx, tx))
            return ctx.redirect(`${tx.request.continuation.returnPath}?tx=${tx.id}`);
          tx = (await transactions.load(tx.id))?.tx ?? tx;
        }
        await render(ctx, tx, caller.binding, ctx.query.notice === 'stale' ? STALE_NOTICE : undefined);
      },
    }),
    route({
      method: 'post',
      path: '/login',
      auth: (ctx) => owned(ctx, false),
      body: form(deps.maxBodyBytes),
      csrf: {
        tokens: csrf,
        purpose: ({ tx, binding }) => csrfPurpose(tx, binding),
        refuse: (ctx, { tx }) => stale(ctx, tx),
      },
      async handle(ctx, { caller: { tx, version, binding }, body: form }) {
        const browser = cookies.context(ctx);
        // "Remember this device" and "skip for now" are kept per browser: give it its id before they are needed.
        if (tx.stage === 'second-factor' || tx.stage === 'offer') browser.deviceId = cookies.ensureDevice(ctx);
        browser.platformAuthenticator = reportedPlatformAuthenticator(form);
        const position = await flow.position(tx, browser);
        if (position && form.step !== position.current.step.id) return stale(ctx, tx);
        const action: FlowAction = form.choose
          ? { kind: 'choose', stepId: form.choose }
          : form.action === 'restart' || form.action === 'cancel'
            ? { kind: form.action }
            : { kind: 'submit', form };
        if (!position && action.kind !== 'restart') return showFinished(ctx, tx);
        const result = await flow.submit(tx, version, browser, action, position);
        if (result.kind === 'conflict') return ctx.redirect(`/login?tx=${tx.id}`);
        if (result.kind === 'finished') return showFinished(ctx, result.tx);
        await render(ctx, result.tx, binding, result.message);
      },
    }),
  ];
}
