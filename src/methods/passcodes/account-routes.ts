import Router from '@koa/router';
import { ACCOUNT_APP_ID } from '../../authn/contract.ts';
import type { AccountRouteDeps, AccountSession } from '../method.ts';
import { appEnrollmentUri } from './enrollment.ts';
import type { Passcodes } from './passcodes.ts';
import { groupSecret } from './otp.ts';
import { describe } from './records.ts';
import { minutes } from '../../util/words.ts';
import type { Ctx, LatchState } from '../../http/context.ts';
import { readForm } from '../../http/form.ts';
import { addAppPage, passcodesPage } from './account-pages.ts';
import { errorPage } from '../../ui/pages.ts';

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

const NOT_ALLOWED = "Nothing was changed. Your organisation's sign-in policy does not allow authenticator apps for your account.";

const when = (ms: number | undefined) => (ms === undefined ? 'never' : new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC');

export function accountPasscodeRoutes(deps: AccountPasscodeDeps): Router<LatchState> {
  const router = new Router<LatchState>();
  const { passcodes } = deps;
  const csrfPurpose = (session: AccountSession) => `passcodes:${session.sid}`;

  async function sessionOf(ctx: Ctx): Promise<AccountSession | undefined> {
    const session = await deps.session(ctx);
    if (!session) ctx.redirect('/account/sign-in');
    return session;
  }

  /** A session may change the passcodes of a user who has no factor yet, or who signed in with a second factor. */
  async function mayChange(session: AccountSession): Promise<boolean> {
    return deps.factorChanges.mayChange(session.level, session.user.id);
  }

  /**
   * Reads a POST form; undefined (with a 403 page) when its CSRF token or the session's level does
   * not allow it, or, when `adding`, policy does not allow this user an authenticator app.
   */
  async function checkedForm(ctx: Ctx, session: AccountSession, adding = false): Promise<Record<string, string> | undefined> {
    const form = await readForm(ctx, deps.maxBodyBytes);
    const allowed = !adding || deps.factorChanges.mayAdd(session.user, 'passcode');
    if (deps.csrf.verify(csrfPurpose(session), form.csrf) && (await mayChange(session)) && allowed) return form;
    ctx.state.log.warn(allowed ? 'passcode change refused: stale or forged CSRF token, or a password-only session' : 'authenticator app refused: policy does not allow it for this user');
    ctx.status = 403;
    ctx.type = 'html';
    const hint = allowed ? 'Nothing was changed. Open the page again and retry.' : NOT_ALLOWED;
    ctx.body = errorPage({ title: 'That change could not be confirmed.', hint, links: [{ href: '/account/passcodes', label: 'Authenticator app' }] }).text;
    return undefined;
  }

  const audit = (ctx: Ctx, session: AccountSession, event: string, result: string, reason: string) =>
    deps.authLog.record({ event, result, reason, user: session.user.username, userId: session.user.id, app: ACCOUNT_APP_ID, ip: ctx.state.clientIp, userAgent: (ctx.get('user-agent') || 'unknown').slice(0, 300) });

  async function showAddPage(ctx: Ctx, session: AccountSession, message?: string): Promise<void> {
    const secret = await passcodes.pendingApps.secret(session.sid);
    if (secret === undefined) return ctx.redirect('/account/passcodes');
    const replacing = (await passcodes.credentials.listForUser(session.user.id)).some((c) => c.source === 'app');
    const issuer = passcodes.config.issuer;
    if (message) ctx.status = 400;
    ctx.type = 'html';
    ctx.body = addAppPage({ otpauthUri: appEnrollmentUri(issuer, session.user.username, secret), secret: groupSecret(secret), issuer, csrf: deps.csrf.issue(csrfPurpose(session)), replacing, message }).text;
  }

  router.get('/account/passcodes', async (ctx) => {
    ctx.state.route = '/account/passcodes';
    const session = await sessionOf(ctx);
    if (!session) return;
    const items = (await passcodes.credentials.listForUser(session.user.id)).map((c) => ({
      id: c.id, source: c.source, what: c.source === 'app' ? 'Authenticator app' : `Hardware token ${c.serial}`, added: when(c.createdAt), lastUsed: when(c.lastUsedAt),
    }));
    const notice = typeof ctx.query.done === 'string' ? NOTICES[ctx.query.done] : undefined;
    ctx.type = 'html';
    const canAdd = deps.factorChanges.mayAdd(session.user, 'passcode');
    ctx.body = passcodesPage({ items, csrf: deps.csrf.issue(csrfPurpose(session)), notice, canChange: await mayChange(session), canAdd }).text;
  });

  router.post('/account/passcodes/new', async (ctx) => {
    ctx.state.route = '/account/passcodes/new';
    const session = await sessionOf(ctx);
    if (!session || !(await checkedForm(ctx, session, true))) return;
    await passcodes.pendingApps.start(session.sid);
    ctx.redirect('/account/passcodes/new');
  });

  router.get('/account/passcodes/new', async (ctx) => {
    ctx.state.route = '/account/passcodes/new';
    const session = await sessionOf(ctx);
    if (session) await showAddPage(ctx, session);
  });

  router.post('/account/passcodes/confirm', async (ctx) => {
    ctx.state.route = '/account/passcodes/confirm';
    const session = await sessionOf(ctx);
    const form = session && (await checkedForm(ctx, session, true));
    if (!session || !form) return;
    const code = (form.code ?? '').replace(/[\s-]/g, '');
    if (!/^\d{6}$/.test(code)) return showAddPage(ctx, session, 'Enter the 6-digit code the app shows.');
    const verdict = await passcodes.throttle.attempt(session.user.id);
    if (!verdict.allowed) return showAddPage(ctx, session, `Too many wrong codes. Wait ${minutes(verdict.retryAfterMs)} and try again.`);
    const result = await passcodes.pendingApps.confirm(session.sid, session.user.id, code);
    if (!result.ok && result.reason === 'expired') return ctx.redirect('/account/passcodes');
    if (!result.ok) {
      await audit(ctx, session, 'account-passcodes', 'failure', 'wrong code while adding an authenticator app on the account page');
      return showAddPage(ctx, session, "That code is not right. Check that the app shows Latch's code for your account, and that your phone's clock is right.");
    }
    await passcodes.throttle.recordSuccess(session.user.id);
    await audit(ctx, session, 'account-passcodes', 'success', result.replaced > 0 ? `replaced ${result.replaced} authenticator app(s) on the account page` : 'added an authenticator app on the account page');
    ctx.redirect(`/account/passcodes?done=${result.replaced > 0 ? 'replaced' : 'added'}`);
  });

  router.post('/account/passcodes/remove', async (ctx) => {
    ctx.state.route = '/account/passcodes/remove';
    const session = await sessionOf(ctx);
    const form = session && (await checkedForm(ctx, session));
    if (!session || !form) return;
    const credential = (await passcodes.credentials.listForUser(session.user.id)).find((c) => c.id === form.id && c.source === 'app');
    if (!credential) return ctx.redirect('/account/passcodes');
    await passcodes.credentials.remove(session.user.id, credential.id);
    await audit(ctx, session, 'account-passcodes', 'success', `removed the ${describe(credential)} on the account page`);
    ctx.redirect('/account/passcodes?done=removed');
  });

  return router;
}
