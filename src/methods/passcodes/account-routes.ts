import { ACCOUNT_APP_ID } from '../../authn/contract.ts';
import type { AccountRouteDeps, AccountSession } from '../method.ts';
import { appEnrollmentUri } from './enrollment.ts';
import type { Passcodes } from './passcodes.ts';
import { groupSecret } from './otp.ts';
import { describe } from './records.ts';
import { minutes } from '../../util/words.ts';
import type { Ctx } from '../../http/context.ts';
import { form, orRedirect, route, type Route } from '../../http/route.ts';
import { addAppPage, passcodesPage } from './account-pages.ts';
import { LatchError } from '../../util/errors.ts';

// /account/passcodes: a signed-in user adds, replaces or removes their authenticator app. Every
// change needs the session's CSRF token; when the user already has a passcode, it also needs a
// session that was signed in with a second factor, so a password alone cannot swap the app.

export interface AccountPasscodeDeps extends AccountRouteDeps {
  passcodes: Passcodes;
}

const NOTICES: Record<string, string> = {
  added: 'Your authenticator app is set up. Use it the next time you sign in.',
  replaced: 'Your new authenticator app is set up; the old one no longer works.',
  removed: 'The authenticator app was removed.',
};

const NOT_ALLOWED =
  "Nothing was changed. Your organisation's sign-in policy does not allow authenticator apps for your account.";

const when = (ms: number | undefined) =>
  ms === undefined ? 'never' : new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

const refused = (hint: string, detail: string) =>
  new LatchError({
    status: 403,
    code: 'forbidden',
    publicMessage: 'That change could not be confirmed.',
    hint,
    detail,
    links: [{ href: '/account/passcodes', label: 'Authenticator app' }],
  });
const STALE_HINT = 'Nothing was changed. Open the page again and retry.';

export function accountPasscodeRoutes(deps: AccountPasscodeDeps): Route[] {
  const { passcodes } = deps;
  const csrfPurpose = (session: AccountSession) => `passcodes:${session.sid}`;
  const signedIn = orRedirect(deps.session, '/account/sign-in');
  /** Every change: a form with the session's token. */
  const change = {
    auth: signedIn,
    body: form(deps.maxBodyBytes),
    csrf: {
      tokens: deps.csrf,
      purpose: csrfPurpose,
      refuse: (): never => {
        throw refused(STALE_HINT, 'passcode change refused: stale or forged CSRF token');
      },
    },
  };

  /** A session may change the passcodes of a user who has no factor yet, or who signed in with a second factor. */
  async function mayChange(session: AccountSession): Promise<boolean> {
    return deps.factorChanges.mayChange(session.level, session.user.id);
  }

  /** Refuses (403) a password-only session, or, when `adding`, a user policy does not allow an authenticator app. */
  async function checkAllowed(session: AccountSession, adding = false): Promise<void> {
    if (adding && !deps.factorChanges.mayAdd(session.user, 'passcode'))
      throw refused(NOT_ALLOWED, 'authenticator app refused: policy does not allow it for this user');
    if (!(await mayChange(session))) throw refused(STALE_HINT, 'passcode change refused: a password-only session');
  }

  const audit = (ctx: Ctx, session: AccountSession, event: string, result: string, reason: string) =>
    deps.authLog.record({
      event,
      result,
      reason,
      user: session.user.username,
      userId: session.user.id,
      app: ACCOUNT_APP_ID,
      ip: ctx.state.clientIp,
      userAgent: (ctx.get('user-agent') || 'unknown').slice(0, 300),
    });

  async function showAddPage(ctx: Ctx, session: AccountSession, message?: string): Promise<void> {
    const secret = await passcodes.pendingApps.secret(session.sid);
    if (secret === undefined) return ctx.redirect('/account/passcodes');
    const replacing = (await passcodes.credentials.listForUser(session.user.id)).some((c) => c.source === 'app');
    const issuer = passcodes.config.issuer;
    if (message) ctx.status = 400;
    ctx.type = 'html';
    ctx.body = addAppPage({
      otpauthUri: appEnrollmentUri(issuer, session.user.username, secret),
      secret: groupSecret(secret),
      issuer,
      csrf: deps.csrf.issue(csrfPurpose(session)),
      replacing,
      message,
    }).text;
  }

  return [
    route({
      method: 'get',
      path: '/account/passcodes',
      auth: signedIn,
      async handle(ctx, { caller: session }) {
        const items = (await passcodes.credentials.listForUser(session.user.id)).map((c) => ({
          id: c.id,
          source: c.source,
          what: c.source === 'app' ? 'Authenticator app' : `Hardware token ${c.serial}`,
          added: when(c.createdAt),
          lastUsed: when(c.lastUsedAt),
        }));
        const notice = typeof ctx.query.done === 'string' ? NOTICES[ctx.query.done] : undefined;
        ctx.type = 'html';
        const canAdd = deps.factorChanges.mayAdd(session.user, 'passcode');
        ctx.body = passcodesPage({
          items,
          csrf: deps.csrf.issue(csrfPurpose(session)),
          notice,
          canChange: await mayChange(session),
          canAdd,
        }).text;
      },
    }),
    route({
      method: 'post',
      path: '/account/passcodes/new',
      ...change,
      async handle(ctx, { caller: session }) {
        await checkAllowed(session, true);
        await passcodes.pendingApps.start(session.sid);
        ctx.redirect('/account/passcodes/new');
      },
    }),
    route({
      method: 'get',
      path: '/account/passcodes/new',
      auth: signedIn,
      handle: (ctx, { caller: session }) => showAddPage(ctx, session),
    }),
    route({
      method: 'post',
      path: '/account/passcodes/confirm',
      ...change,
      async handle(ctx, { caller: session, body: form }) {
        await checkAllowed(session, true);
        const code = (form.code ?? '').replace(/[\s-]/g, '');
        if (!/^\d{6}$/.test(code)) return showAddPage(ctx, session, 'Enter the 6-digit code the app shows.');
        const verdict = await passcodes.throttle.attempt(session.user.id);
        if (!verdict.allowed)
          return showAddPage(
            ctx,
            session,
            `Too many wrong codes. Wait ${minutes(verdict.retryAfterMs)} and try again.`,
          );
        const result = await passcodes.pendingApps.confirm(session.sid, session.user.id, code);
        if (!result.ok && result.reason === 'expired') return ctx.redirect('/account/passcodes');
        if (!result.ok) {
          await audit(
            ctx,
            session,
            'account-passcodes',
            'failure',
            'wrong code while adding an authenticator app on the account page',
          );
          return showAddPage(
            ctx,
            session,
            "That code is not right. Check that the app shows Latch's code for your account, and that your phone's clock is right.",
          );
        }
        await passcodes.throttle.recordSuccess(session.user.id);
        await audit(
          ctx,
          session,
          'account-passcodes',
          'success',
          result.replaced > 0
            ? `replaced ${result.replaced} authenticator app(s) on the account page`
            : 'added an authenticator app on the account page',
        );
        ctx.redirect(`/account/passcodes?done=${result.replaced > 0 ? 'replaced' : 'added'}`);
      },
    }),
    route({
      method: 'post',
      path: '/account/passcodes/remove',
      ...change,
      async handle(ctx, { caller: session, body: form }) {
        await checkAllowed(session);
        const credential = (await passcodes.credentials.listForUser(session.user.id)).find(
          (c) => c.id === form.id && c.source === 'app',
        );
        if (!credential) return ctx.redirect('/account/passcodes');
        await passcodes.credentials.remove(session.user.id, credential.id);
        await audit(
          ctx,
          session,
          'account-passcodes',
          'success',
          `removed the ${describe(credential)} on the account page`,
        );
        ctx.redirect('/account/passcodes?done=removed');
      },
    }),
  ];
}
