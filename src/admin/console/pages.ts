import { html, type Html } from '../../util/html.ts';
import { describeAuthenticator, type AuthenticatorView } from '../ops/user-details.ts';
import { allows } from '../roles.ts';
import { csrfField, when, type ConsoleFrame } from './layout.ts';

// The console's pages as HTML fragments (consolePage frames them). Every table is sorted and
// paged on the server; every destructive action goes through a confirmation page that says what
// will happen.

export interface UserRow {
  username: string;
  displayName?: string;
  email?: string;
  groups: string[];
  disabled: boolean;
}

export interface UserDetail {
  user: UserRow & { id: string };
  authenticators: AuthenticatorView[];
  bypassCodes: { usable: number; expiresAt: number | null };
  sessions: number;
  lastSignIn: { at: number; app: string; level: string } | null;
}

const enc = encodeURIComponent;

export interface UserListQuery {
  q: string;
  group: string;
  sort: 'username' | 'email' | 'displayName';
  order: 'asc' | 'desc';
}

/** A column header that sorts on the server: ascending first, the other way when already sorted by it. */
function sortHeader(query: UserListQuery, column: UserListQuery['sort'], label: string): Html {
  const current = query.sort === column;
  const order = current && query.order === 'asc' ? 'desc' : 'asc';
  const href = `/admin/users?${new URLSearchParams({ q: query.q, group: query.group, sort: column, order }).toString()}`;
  return html`<th scope="col"${current ? html` aria-sort="${query.order === 'asc' ? 'ascending' : 'descending'}"` : ''}><a href="${href}">${label}</a></th>`;
}

export function usersPage(frame: ConsoleFrame, query: UserListQuery, users: UserRow[], more: boolean): Html {
  const exportLink = allows(frame.caller.role, 'users:export')
    ? html`<p>Export every user: <a href="/admin/users/export?format=csv" download>CSV</a> · <a href="/admin/users/export?format=json" download>JSON</a></p>`
    : '';
  return html`<form class="filters" method="get" action="/admin/users" role="search">
<div><label for="q">Name or email</label><input id="q" name="q" value="${query.q}"></div>
<div><label for="group">Group</label><input id="group" name="group" value="${query.group}"></div>
<button type="submit">Search</button>
</form>
${exportLink}
<table><caption class="muted">${users.length} user(s)${more ? ', more match: refine the search' : ''}</caption>
<thead><tr>${sortHeader(query, 'username', 'Username')}${sortHeader(query, 'displayName', 'Name')}${sortHeader(query, 'email', 'Email')}<th scope="col">Groups</th><th scope="col">State</th></tr></thead>
<tbody>${users.map((u) => html`<tr><td><a href="/admin/users/${enc(u.username)}">${u.username}</a></td><td>${u.displayName ?? ''}</td><td>${u.email ?? ''}</td><td>${u.groups.join(', ')}</td><td>${u.disabled ? 'disabled' : 'active'}</td></tr>`)}</tbody>
</table>`;
}

export function userPage(frame: ConsoleFrame, detail: UserDetail): Html {
  const { user } = detail;
  const base = `/admin/users/${enc(user.username)}`;
  const write = allows(frame.caller.role, 'users:write');
  return html`<dl>
<dt>Username</dt><dd>${user.username}</dd>
<dt>Name</dt><dd>${user.displayName ?? '–'}</dd>
<dt>Email</dt><dd>${user.email ?? '–'}</dd>
<dt>Groups</dt><dd>${user.groups.join(', ') || 'none'}</dd>
<dt>Account</dt><dd>${user.disabled ? 'disabled in the directory' : 'active'}</dd>
<dt>Last sign-in</dt><dd>${detail.lastSignIn ? `${when(detail.lastSignIn.at)} to ${detail.lastSignIn.app} (${detail.lastSignIn.level})` : 'never'}</dd>
<dt>Sessions</dt><dd>${detail.sessions}</dd>
</dl>
<h2>Authenticators</h2>
<table><thead><tr><th scope="col">Authenticator</th><th scope="col">Created</th><th scope="col">Last used</th>${write ? html`<th scope="col"><span class="muted">Action</span></th>` : ''}</tr></thead>
<tbody>${detail.authenticators.map(
    (a) => html`<tr><td>${describeAuthenticator(a)}</td><td>${when(a.createdAt)}</td><td>${when(a.lastUsedAt)}</td>
${write ? html`<td><a href="${base}/remove?method=${enc(a.method)}&amp;id=${enc(a.id)}" aria-label="Remove ${describeAuthenticator(a)}">Remove</a></td>` : ''}</tr>`,
  )}</tbody></table>
${detail.authenticators.length === 0 ? html`<p>No authenticators: ${user.username} signs in with the password alone.</p>` : ''}
<p>Bypass codes: ${detail.bypassCodes.usable} usable${detail.bypassCodes.expiresAt ? `, until ${when(detail.bypassCodes.expiresAt)}` : ''}.</p>
${
  write
    ? html`<h2>Help</h2>
<form method="post" action="${base}/bypass-codes">${csrfField(frame)}
<label for="count">Bypass codes to make</label><input id="count" name="count" value="1" inputmode="numeric">
<label for="expires">Valid for</label><input id="expires" name="expires" value="1d">
<button type="submit">Make bypass codes</button></form>
<form method="post" action="${base}/phone-activation">${csrfField(frame)}<button type="submit" class="secondary">Make a phone activation link</button></form>
<p><a href="${base}/remove?all=1">Remove every authenticator…</a> · <a href="${base}/sign-out">Sign ${user.username} out everywhere…</a></p>`
    : ''
}`;
}

/** What removing an authenticator means for the user, said before it is done. */
export function confirmPage(
  frame: ConsoleFrame,
  action: string,
  consequence: string,
  fields: Record<string, string>,
  back: string,
): Html {
  return html`<p class="notice">${consequence}</p>
<form method="post" action="${action}">${csrfField(frame)}
${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<button type="submit" class="danger">Confirm</button> <a class="cancel" href="${back}">Cancel</a></form>`;
}

/** A secret shown once (bypass codes, a client secret, an activation link). */
export function shownOncePage(what: string, values: string[], back: string): Html {
  return html`<p class="notice">${what} This is the only time ${values.length > 1 ? 'they are' : 'it is'} shown: copy ${values.length > 1 ? 'them' : 'it'} now.</p>
<ul>${values.map((v) => html`<li><code class="secret">${v}</code></li>`)}</ul>
<p><a href="${back}">Back</a></p>`;
}

export function problemPage(message: string, problems: Array<{ field: string; message: string }>, back: string): Html {
  return html`<p class="alert" role="alert">Nothing was changed. ${problems.length === 0 ? message : ''}</p>
${problems.length > 0 ? html`<ul>${problems.map((p) => html`<li>${p.field ? html`<strong>${p.field}</strong>: ` : ''}${p.message}</li>`)}</ul>` : ''}
<p><a href="${back}">Back</a></p>`;
}

export function donePage(message: string, back: string): Html {
  return html`<p class="notice" role="status">${message}</p><p><a href="${back}">Back</a></p>`;
}
