import type { AuthLog } from '../authn/auth-log.ts';
import { ACCOUNT_APP_ID, type SignInRequest } from '../authn/contract.ts';
import type { FactorChanges } from '../authn/factor-changes.ts';
import type { CsrfTokens } from '../http/csrf.ts';
import { form, route, type Route } from '../http/route.ts';
import type { AccountRouteDeps, SignInMethod } from '../methods/method.ts';
import { signedOutPage } from '../ui/pages.ts';
import { LatchError } from '../util/errors.ts';
import { accountPage, homePage } from './pages.ts';
import { accountBrowserRoutes } from './browsers.ts';
import { oneDeviceWarning } from './one-device.ts';
import type { UserBrowsers } from '../authn/user-browsers.ts';
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
  browsers: UserBrowsers;
}

export function accountRoutes(deps: AccountDeps): Route[] {
  const request = (): SignInRequest => ({
    app: { id: 'account', name: deps.appName, protocol: 'account' },
    constraints: {},
    continuation: { returnPath: '/account/continue', data: null },
  });

  const labels = Object.assign({}, ...deps.methods.map((m) => m.labels));
  const pages = [
    ...deps.methods.flatMap((m) => (m.account ? [{ path: m.account.path, label: m.account.label }] : [])),
    { path: '/account/browsers', label: 'Your browsers' },
  ];
  /** Every factor the user enrolled, from every method: for the one-device warning. */
  const factors = async (userId: string) =>
    (
      await Promise.all(deps.methods.map((m) => (m.authenticators?.factor ? m.authenticators.list(userId) : [])))
    ).flat();
  const methodDeps: AccountRouteDeps = {
    session: (ctx) => deps.liveSessions.current(ctx, ACCOUNT_APP_ID),
    csrf: deps.csrf,
    deviceId: (ctx) => deps.cookies.deviceId(ctx),
    factorChanges: deps.factorChanges,
    authLog: deps.authLog,
    baseUrl: deps.baseUrl,
    maxBodyBytes: deps.maxBodyBytes,
  };

  return [
    route({
      method: 'get',
      path: '/',
      auth: (ctx) => deps.liveSessions.current(ctx, ACCOUNT_APP_ID),
      async handle(ctx, { caller: session }) {
        ctx.type = 'html';
        if (!session) return void (ctx.body = homePage().text);
        const oneDevice = oneDeviceWarning(await factors(session.user.id));
        ctx.body = accountPage({
          session,
          csrf: deps.csrf.issue(`logout:${session.sid}`),
          labels,
          pages,
          oneDevice,
        }).text;
      },
    }),
    route({
      method: 'get',
      path: '/account/sign-in',
      async handle(ctx) {
        const outcome = await deps.signIn.start(ctx, request());
        if (outcome?.kind === 'done') ctx.redirect('/');
      },
    }),
    route({
      method: 'get',
      path: '/account/continue',
      async handle(ctx) {
        const outcome = await deps.signIn.finish(ctx);
        if (outcome?.kind === 'done' || outcome?.failure === 'cancelled') return ctx.redirect('/');
        throw new LatchError({
          status: outcome ? 403 : 400,
          code: outcome ? 'sign_in_failed' : 'expired',
          publicMessage: outcome ? 'The sign-in did not complete.' : 'Your sign-in session expired.',
          hint: 'Start again from the beginning.',
          links: [{ href: '/', label: 'Start again' }],
          detail: outcome
            ? `account sign-in ended with ${outcome.failure}`
            : 'no finished sign-in for this browser at the continuation',
        });
      },
    }),
    route({
      method: 'post',
      path: '/logout',
      // The session cookie, unchecked against the directory: a disabled account may still sign out.
      auth: (ctx) => deps.sessions.fromCookie(deps.cookies.session(ctx)),
      body: form(deps.maxBodyBytes),
      csrf: { tokens: deps.csrf, purpose: (session) => session && `logout:${session.sid}`, refuse: refuseSignOut },
      async handle(ctx, { caller: session }) {
        if (session) {
          await deps.sessions.end(session.sid);
          await deps.signOut.run(ctx, session);
        }
        deps.cookies.clearSession(ctx);
        if (ctx.body === undefined) {
          ctx.type = 'html';
          ctx.body = signedOutPage().text;
        }
      },
    }),
    // Each sign-in method's own pages, with the session.
    ...deps.methods.flatMap((method) => method.account?.routes(methodDeps) ?? []),
    ...accountBrowserRoutes({ ...methodDeps, browsers: deps.browsers }),
  ];
}

function refuseSignOut(): never {
  throw new LatchError({
    status: 403,
    code: 'csrf',
    publicMessage: 'Sign-out could not be confirmed.',
    hint: 'You are still signed in. Use the Sign out button on your account page.',
    links: [{ href: '/', label: 'Your account' }],
    detail: 'sign-out refused: stale or forged CSRF token',
  });
}
