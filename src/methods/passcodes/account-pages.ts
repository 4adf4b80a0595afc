import { html, type Html } from '../../util/html.ts';
import { layout } from '../../ui/layout.ts';
import { alertBox, describedBy } from '../../ui/prompt-parts.ts';
import { qrDataUrlSync } from '../../ui/qr.ts';

// The account page's "Authenticator app" section: what the user has, and adding, replacing or
// removing the app. Hardware tokens are listed but managed by the help desk.

export interface PasscodeItem {
  id: string;
  source: 'app' | 'token';
  what: string;
  added: string;
  lastUsed: string;
}

const hidden = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}">`;

/** `canAdd`: policy allows this user an authenticator app (removing one is always allowed). */
export function passcodesPage(options: {
  items: PasscodeItem[];
  csrf: string;
  notice?: string;
  canChange: boolean;
  canAdd: boolean;
}): Html {
  const apps = options.items.filter((i) => i.source === 'app');
  const tokens = options.items.filter((i) => i.source === 'token');
  const row = (
    item: PasscodeItem,
  ) => html`<li><strong>${item.what}</strong>, added ${item.added}, last used ${item.lastUsed}
${
  item.source === 'app' && options.canChange
    ? html`<form method="post" action="/account/passcodes/remove" class="inline">${hidden(options.csrf)}<input type="hidden" name="id" value="${item.id}"><button type="submit" class="link">Remove</button></form>`
    : ''
}</li>`;
  return layout(
    'Authenticator app',
    html`<h1>Authenticator app</h1>
${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ''}
${options.items.length > 0 ? html`<ul class="factors">${options.items.map(row)}</ul>` : html`<p>You have no authenticator app set up.</p>`}
${tokens.length > 0 ? html`<p class="help">Your IT help desk manages hardware tokens.</p>` : ''}
${
  !options.canAdd
    ? html`<p class="help">Your organisation's sign-in policy does not allow authenticator apps for your account.</p>`
    : options.canChange
      ? html`<form method="post" action="/account/passcodes/new">${hidden(options.csrf)}
<button type="submit">${apps.length > 0 ? 'Replace the authenticator app' : 'Set up an authenticator app'}</button></form>`
      : html`<p class="alert" role="alert">To change your authenticator app, sign out and sign in again with your second factor.</p>`
}
<p><a href="/">Back to your account</a></p>`,
  );
}

export function addAppPage(options: {
  otpauthUri: string;
  secret: string;
  issuer: string;
  csrf: string;
  replacing: boolean;
  message?: string;
}): Html {
  return layout(
    'Set up an authenticator app',
    html`<h1>Set up an authenticator app</h1>
<form method="post" action="/account/passcodes/confirm" novalidate>
${hidden(options.csrf)}
${alertBox(options.message)}
<p>Scan this QR code with an authenticator app on your phone (for example Google Authenticator, Microsoft Authenticator, FreeOTP or 1Password).${options.replacing ? ' It replaces the app you have now once you enter a code from it.' : ''}</p>
<img class="qr" src="${qrDataUrlSync(options.otpauthUri)}" alt="QR code that adds your ${options.issuer} account to an authenticator app" width="200" height="200">
<p class="help">Can't scan it? In the app, add an account by hand with this key (time-based):</p>
<p><code class="secret" id="totp-secret">${options.secret}</code></p>
<label for="code">Code from the app</label>
<p class="help" id="code-help">Enter the 6-digit code the app now shows for your account.</p>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required autofocus aria-describedby="code-help"${describedBy(options.message)}>
<button type="submit">Verify and save</button>
</form>
<p><a href="/account/passcodes">Cancel</a></p>`,
  );
}
