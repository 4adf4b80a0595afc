import { ACCOUNT_APP_ID } from '../authn/contract.ts';
import type { UserBrowser, UserBrowsers } from '../authn/user-browsers.ts';
import type { Ctx } from '../http/context.ts';
import { form, orRedirect, orRefuse, route, signInFirst, type Route } from '../http/route.ts';
import { staleAccountForm } from '../http/csrf.ts';
import type { AccountRouteDeps, AccountSession } from '../methods/method.ts';
import { layout } from '../ui/layout.ts';
import { html, type Html } from '../util/html.ts';
import { formatTime } from './pages.ts';

// /account/browsers: the browsers a user signed in with (browser and system, where and when last
// used) and what each may skip; "Forget" revokes one, so a lost laptop or a shared computer must
// do a full sign-in again. Forgetting only takes trust away, so any signed-in session may do it.

function trustText(browser: UserBrowser): string {
  const skips = browser.remembered.map(
    (r) =>
      `skips the second factor for ${r.scope === 'all' ? 'every application' : r.appId} until ${formatTime(r.expiresAt)}`,
  );
  const all = [...skips, ...browser.trustedFor.map((t) => `trusted for ${t}`)];
  return all.length > 0 ? all.join('; ') : 'nothing: it signs in like any other browser';
}

function browsersPage(list: UserBrowser[], csrf: string, message?: string): Html {
  return layout(
    'Your browsers',
    html`<h1>Your browsers</h1>
${message ? html`<p class="notice" role="status">${message}</p>` : ''}
<p>Browsers you signed in with. Forget one you no longer use, or one on a computer that is not yours: it will need a full sign-in again.</p>
${list.length === 0 ? html`<p>No browsers yet.</p>` : ''}
${list.map(
  (b) => html`<section class="browser" data-browser="${b.id}">
<h2>${b.label}${b.current ? ' (this browser)' : ''}</h2>
<dl>
<dt>Last used</dt><dd>${formatTime(b.lastUsedAt)} from ${b.ip}${b.country ? ` (${b.country})` : ''}</dd>
<dt>First used</dt><dd>${formatTime(b.firstUsedAt)}</dd>
<dt>Trusted for</dt><dd>${trustText(b)}</dd>
</dl>
<form method="post" action="/account/browsers/forget">
<input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="browser" value="${b.id}">
<button type="submit">Forget ${b.label}</button>
</form>
</section>`,
)}
<p><a href="/">Back to your account</a></p>`,
  );
}

export function accountBrowserRoutes(deps: AccountRouteDeps & { browsers: UserBrowsers }): Route[] {
  // A signed-out browser that opens the page is sent to sign in, as on the other account pages;
  // a form posted without a session is refused.
  const toSignIn = orRedirect(deps.session, '/account/sign-in');
  const signedIn = orRefuse(deps.session, signInFirst('/account/browsers'));
  const purpose = (session: AccountSession) => `browsers:${session.sid}`;
  const show = async (ctx: Ctx, session: AccountSession, message?: string) => {
    ctx.type = 'html';
    const list = await deps.browsers.list(session.user.id, deps.deviceId(ctx));
    ctx.body = browsersPage(list, deps.csrf.issue(purpose(session)), message).text;
  };
  return [
    route({ method: 'get', path: '/account/browsers', auth: toSignIn, handle: (ctx, { caller }) => show(ctx, caller) }),
    route({
      method: 'post',
      path: '/account/browsers/forget',
      auth: signedIn,
      body: form(deps.maxBodyBytes),
      csrf: {
        tokens: deps.csrf,
        purpose,
        refuse: staleAccountForm('Your browsers', '/account/browsers'),
      },
      async handle(ctx, { caller: session, body }) {
        const id = body.browser ?? '';
        const listed = (await deps.browsers.list(session.user.id)).find((b) => b.id === id);
        if (!listed || !(await deps.browsers.revoke(session.user.id, id))) {
          ctx.status = 404;
          return show(
            ctx,
            session,
            'That browser is not in your list (it may have been forgotten already). Nothing was changed.',
          );
        }
        await deps.authLog.record({
          event: 'browser-forgotten',
          result: 'success',
          reason: `the user forgot ${listed.label} (last used ${formatTime(listed.lastUsedAt)} from ${listed.ip})`,
          user: session.user.username,
          userId: session.user.id,
          app: ACCOUNT_APP_ID,
          ip: ctx.state.clientIp,
        });
        await show(ctx, session, `${listed.label} was forgotten: it will need a full sign-in again.`);
      },
    }),
  ];
}
