import type { IdpSession } from '../idp/signin/session.ts';
import { html, type Html } from '../util/html.ts';
import { layout } from '../ui/layout.ts';

// The account site's own pages: nobody signed in, the signed-in user's home, signed out.

export function homePage(): Html {
  return layout(
    'Latch',
    html`<h1>Latch</h1>
<p>You are not signed in.</p>
<p><a class="button" href="/account/sign-in">Sign in</a></p>`,
  );
}

export function formatTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

/** What the account home page shows: the session, and the methods' own pages. */
export interface AccountHome {
  session: Pick<IdpSession, 'user' | 'authTime' | 'methods' | 'apps'>;
  csrf: string;
  /** How the methods a sign-in used read to users, by method id (the methods' labels). */
  labels: Record<string, string>;
  /** Links to the methods' account pages. */
  pages: Array<{ path: string; label: string }>;
  /** Set when every way the user has to sign in lives on one device (one-device.ts). */
  oneDevice?: string;
}

/** The flow's own entry in a sign-in's methods. */
const ENGINE_LABELS: Record<string, string> = { 'remembered-device': 'this remembered browser' };

export function accountPage({ session, csrf, labels, pages, oneDevice }: AccountHome): Html {
  const methodLabel = (method: string) => labels[method] ?? ENGINE_LABELS[method] ?? method;
  const user = session.user;
  const apps = Object.entries(session.apps);
  return layout(
    'Your account',
    html`<h1>Signed in as ${user.displayName ?? user.username}</h1>
<dl>
<dt>Username</dt><dd data-field="username">${user.username}</dd>
${user.email ? html`<dt>Email</dt><dd>${user.email}</dd>` : ''}
<dt>Groups</dt><dd>${user.groups.length > 0 ? user.groups.join(', ') : 'none'}</dd>
<dt>Signed in</dt><dd>${formatTime(session.authTime)} with ${session.methods.map(methodLabel).join(' and ')}</dd>
${apps.length > 0 ? html`<dt>Applications this session</dt><dd>${apps.map(([, app]) => app.name).join(', ')}</dd>` : ''}
</dl>
${oneDevice ? html`<p class="alert" role="alert" id="one-device">${oneDevice}</p>` : ''}
${pages.map((page) => html`<p><a href="${page.path}">${page.label}</a></p>`)}
<form method="post" action="/logout">
<input type="hidden" name="csrf" value="${csrf}">
<button type="submit">Sign out</button>
</form>`,
  );
}
