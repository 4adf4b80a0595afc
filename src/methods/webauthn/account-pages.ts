import type { StoredCredential } from './credentials.ts';
import { html, type Html } from '../../util/html.ts';
import { layout } from '../../ui/layout.ts';
import { WEBAUTHN_SCRIPT } from '../../ui/prompt-parts.ts';

// The account page "Passkeys and security keys": what the user has registered, with rename and
// remove, and a button to add another (the same script as the sign-in prompt runs the ceremony).

export interface PasskeysPage {
  username: string;
  credentials: StoredCredential[];
  /** Registration options (JSON) for "Add"; none when policy allows nothing to add. */
  options?: string;
  /** Why nothing can be added, when policy allows nothing. */
  notAllowed?: string;
  csrf: string;
  message?: string;
  notice?: string;
}

const date = (ms: number | undefined) =>
  ms ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : 'never';

const describe = (c: StoredCredential) =>
  `${c.kind === 'platform' ? 'This device (platform)' : 'Security key (roaming)'}${c.passwordless ? ', passkey' : ''}`;

function row(c: StoredCredential, csrf: string): Html {
  return html`<li class="credential" data-credential="${c.id}">
<p><strong>${c.name}</strong><br>${describe(c)}<br>Added ${date(c.createdAt)} · last used ${date(c.lastUsedAt)}</p>
<form method="post" action="/account/passkeys/rename">
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="id" value="${c.id}">
<label for="name-${c.id}">New name for ${c.name}</label>
<input id="name-${c.id}" name="name" type="text" maxlength="64" value="${c.name}">
<button type="submit">Rename</button>
</form>
<form method="post" action="/account/passkeys/remove">
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="id" value="${c.id}">
<button type="submit" aria-label="Remove ${c.name}">Remove</button>
</form>
</li>`;
}

export function passkeysPage(page: PasskeysPage): Html {
  return layout(
    'Passkeys and security keys',
    html`<h1>Passkeys and security keys</h1>
${page.notice ? html`<p class="notice" role="status">${page.notice}</p>` : ''}
${page.message ? html`<p class="alert" role="alert" id="prompt-error">${page.message}</p>` : ''}
${page.credentials.length > 0 ? html`<ul class="credentials">${page.credentials.map((c) => row(c, page.csrf))}</ul>` : html`<p>You have none yet.</p>`}
${
  page.options
    ? html`<form method="post" action="/account/passkeys/add">
<input type="hidden" name="csrf" value="${page.csrf}">
<div id="webauthn-ceremony" data-ceremony="register" data-options="${page.options}" hidden></div>
<label for="new-name">Name of the new one</label>
<input id="new-name" name="name" type="text" maxlength="64" autocomplete="off" placeholder="Security key or this device">
<button type="submit" id="webauthn-start">Add a passkey or security key</button>
</form>`
    : html`<p class="help">${page.notAllowed ?? ''}</p>`
}
<p><a href="/">Back to your account</a></p>`,
    { script: WEBAUTHN_SCRIPT },
  );
}
