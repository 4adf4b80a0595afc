import Router from '@koa/router';
import type { AuthLog } from '../authn/auth-log.ts';
import { ACCOUNT_APP_ID, type SignInRequest } from '../authn/contract.ts';
import type { FactorChanges } from '../authn/factor-changes.ts';
import type { CsrfTokens } from '../http/csrf.ts';
import type { Ctx, LatchState } from '../http/context.ts';
import { readForm } from '../http/form.ts';
import type { AccountRouteDeps, SignInMethod } from '../methods/method.ts';
import { errorPage, signedOutPage } from '../ui/pages.ts';
import { accountPage, homePage } from './pages.ts';
import type { BrowserCookies } from '../idp/signin/cookies.ts';
import type { SessionStore } from '../idp/signin/session.ts';
import type { LiveSessions } from '../idp/signin/live-session.ts';
import type { SignOutHooks } from '../idp/signin/sign-out.ts';
import type { SignInService } from '../idp/signin/service.ts';

// Latch's own account site, a front end like SAML and OIDC: "/" shows who is signed in, offers
// sign-in when nobody is, and signs out (other front ends propagate the sign-out through hooks).
// Each sign-in method's own pages (/account/passkeys, …) are mounted here, with the session.

export interface AccountDeps {
  signIn: SignInService;
  sessions: SessionStore;
  /** The session re-checked against the directory: a disabled account's reads as none. */
  liveSessions: LiveSessions;
  cookies: BrowserCookies;
  csrf: CsrfTokens;
  appName: string;
  maxBodyBytes: number;
  signOut: SignOutHooks;
  methods: SignInMethod[];
  factorChanges: FactorChanges;
  authLog: AuthLog;
  baseUrl: string;
}

export function accountRoutes(deps: AccountDeps): Router<LatchState> {
  const router = new Router<LatchState>();
  const request = (): SignInRequest => ({
    app: { id: 'account', name: deps.appName, protocol: 'account' },
    constraints: {},
    continuation: { returnPath: '/account/continue', data: null },
  });

  const labels = Object.assign({}, ...deps.methods.map((m) => m.labels));
  const pages = deps.methods.flatMap((m) => (m.account ? [{ path: m.account.path, label: m.account.label }] : []));

  router.get('/', async (ctx) => {
    ctx.state.route = '/';
    const session = await deps.liveSessions.current(ctx, ACCOUNT_APP_ID);
    ctx.type = 'html';
    ctx.body = (session ? accountPage({ session, csrf: deps.csrf.issue(`logout:${session.sid}`), labels, pages }) : homePage()).text;
  });

  router.get('/account/sign-in', async (ctx) => {
    ctx.state.route = '/account/sign-in';
    const outcome = await deps.signIn.start(ctx, request());
    if (outcome?.kind === 'done') ctx.redirect('/');
  });

  router.get('/account/continue', async (ctx) => {
    ctx.state.route = '/account/continue';
    const outcome = await deps.signIn.finish(ctx);
    if (outcome?.kind === 'done' || outcome?.failure === 'cancelled') return ctx.redirect('/');
    ctx.status = outcome ? 403 : 400;
    ctx.type = 'html';
    ctx.body = errorPage({
      title: outcome ? 'The sign-in did not complete.' : 'Your sign-in session expired.',
      hint: 'Start again from the beginning.',
      links: [{ href: '/', label: 'Start again' }],
    }).text;
  });

  router.post('/logout', async (ctx) => {
    ctx.state.route = '/logout';
    const form = await readForm(ctx, deps.maxBodyBytes);
    const session = await deps.sessions.fromCookie(deps.cookies.session(ctx));
    if (session && !deps.csrf.verify(`logout:${session.sid}`, form.csrf)) {
      ctx.state.log.warn('sign-out refused: stale or forged CSRF token');
      ctx.status = 403;
      ctx.type = 'html';
      ctx.body = errorPage({ title: 'Sign-out could not be confirmed.', hint: 'You are still signed in. Use the Sign out button on your account page.', links: [{ href: '/', label: 'Your account' }] }).text;
      return;
    }
    if (session) {
      await deps.sessions.end(session.sid);
      await deps.signOut.run(ctx, session);
    }
    deps.cookies.clearSession(ctx);
    if (ctx.body === undefined) {
      ctx.type = 'html';
      ctx.body = signedOutPage().text;
    }
  });

  const methodDeps: AccountRouteDeps = {
    session: (ctx) => deps.liveSessions.current(ctx, ACCOUNT_APP_ID),
    csrf: deps.csrf,
    factorChanges: deps.factorChanges,
    authLog: deps.authLog,
    baseUrl: deps.baseUrl,
    maxBodyBytes: deps.maxBodyBytes,
  };
  for (const method of deps.methods) {
    const routes = method.account?.routes(methodDeps);
    if (routes) router.use(routes.routes(), routes.allowedMethods());
  }
  return router;
}
