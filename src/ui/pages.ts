import type { IdpSession } from '../idp/signin/session.ts';
import { html, type Html } from '../util/html.ts';
import { layout } from './layout.ts';

export function errorPage(options: { title: string; hint?: string; reference?: string; links?: Array<{ href: string; label: string }> }): Html {
  return layout(
    options.title,
    html`<h1>${options.title}</h1>
${options.hint ? html`<p>${options.hint}</p>` : ''}
${(options.links ?? []).map((l) => html`<p><a href="${l.href}">${l.label}</a></p>`)}
${options.reference ? html`<p class="reference">Reference: <code>${options.reference}</code></p>` : ''}`,
  );
}

export function homePage(): Html {
  return layout(
    'Latch',
    html`<h1>Latch</h1>
<p>You are not signed in.</p>
<p><a class="button" href="/account/sign-in">Sign in</a></p>`,
  );
}

function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** How the account page names the methods a session used (ids from src/authn/steps). */
const METHOD_LABELS: Record<string, string> = {
  password: 'password',
  passcode: 'passcode',
  'bypass-code': 'bypass code',
  webauthn: 'security key or this device',
  'webauthn-passwordless': 'passkey',
  push: 'push to the phone',
  'push-passwordless': 'phone (passwordless push)',
  'remembered-device': 'this remembered browser',
};
const methodLabel = (method: string) => METHOD_LABELS[method] ?? method;

export function accountPage(session: IdpSession, csrf: string): Html {
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
<p><a href="/account/passkeys">Passkeys and security keys</a></p>
<p><a href="/account/passcodes">Authenticator app</a></p>
<p><a href="/account/authenticator">Phone sign-in (Latch Authenticator)</a></p>
<form method="post" action="/logout">
<input type="hidden" name="csrf" value="${csrf}">
<button type="submit">Sign out</button>
</form>`,
  );
}

export function signedOutPage(): Html {
  return layout(
    'Signed out',
    html`<h1>You have signed out</h1>
<p>Close the browser to be sure that every application has forgotten you.</p>
<p><a href="/">Sign in again</a></p>`,
  );
}
