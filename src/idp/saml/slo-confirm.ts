import { layout } from '../../ui/layout.ts';
import { html, type Html } from '../../util/html.ts';
import type { IdpSession } from '../signin/session.ts';
import { SAML_PATHS } from './idp-identity.ts';

// Unsigned LogoutRequests. An SP without a signing certificate may send them, so anyone can make
// one: a link on any page, naming a user whose NameID is just their username, used to end that
// user's session. Such a request therefore ends a session only when it names the NameID and the
// SessionIndex that this browser's session gave the SP, and only after the user confirms on a
// page of Latch's own (the button carries a CSRF token bound to the session and the request).
// The request waits in the store meanwhile, under a random id in the confirmation URL.

/** An unsigned LogoutRequest waiting for the user's answer. */
export type PendingLogout = {
  sp: string;
  requestId: string;
  relayState: string | null;
  nameId: string;
  sessionIndexes: string[];
};

export const PENDING_TTL_MS = 10 * 60_000;
export const csrfPurpose = (sid: string, id: string) => `saml-logout:${sid}:${id}`;
export const confirmUrl = (id: string) => `${SAML_PATHS.sloConfirm}?request=${id}`;
export const isPendingId = (value: unknown): value is string =>
  typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);

/**
 * How this browser's session relates to the request: `none` (not signed in: nothing to end),
 * `other` (not the session the request names), or `same`. The session's data for the SP is the
 * SamlSessionData recorded at sign-in.
 */
export function sessionVerdict(session: IdpSession | undefined, pending: PendingLogout): 'none' | 'other' | 'same' {
  if (!session) return 'none';
  const data = session.apps[pending.sp]?.data;
  const recorded = data && typeof data === 'object' && !Array.isArray(data) ? data : {};
  const sessionIndex = recorded.sessionIndex;
  const named = typeof sessionIndex === 'string' && pending.sessionIndexes.includes(sessionIndex);
  return named && recorded.nameId === pending.nameId ? 'same' : 'other';
}

export function confirmLogoutPage(options: { spName: string; user: string; request: string; csrf: string }): Html {
  return layout(
    'Sign out?',
    html`<h1>Sign out of Latch?</h1>
<p>${options.spName} asks to sign you out of Latch, and of the other applications you signed in to with it.</p>
<p>You are signed in as ${options.user}.</p>
<form method="post" action="${SAML_PATHS.sloConfirm}">
<input type="hidden" name="csrf" value="${options.csrf}">
<input type="hidden" name="request" value="${options.request}">
<button type="submit" name="decision" value="logout" autofocus>Sign out</button>
<button type="submit" name="decision" value="stay" class="link">Stay signed in</button>
</form>`,
  );
}
