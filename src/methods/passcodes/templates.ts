import { html } from '../../util/html.ts';
import { codeField, whoLine, type Template } from '../../ui/prompt-parts.ts';
import { qrDataUrlSync } from '../../ui/qr.ts';

// Sign-in pages of passcodes: enter a code from an app or token, set up an authenticator app.

function passcodeHelp(model: Record<string, unknown>): string {
  if (model.resync) return 'Press the button on your token again and enter the new code.';
  if (model.app && model.token)
    return 'Open your authenticator app, or press the button on your token, and enter the code it shows.';
  if (model.token) return 'Press the button on your token and enter the code it shows.';
  return 'Open your authenticator app and enter the code it shows for your account.';
}

export const PASSCODE_TEMPLATES: Record<string, Template> = {
  passcode: (view, page) => ({
    title: view.model.resync ? 'Enter the next code' : 'Enter a passcode',
    body: html`${whoLine(view)}
${codeField('Passcode', passcodeHelp(view.model), page.message)}
<button type="submit" name="action" value="submit">Verify</button>`,
  }),
  'passcode-enroll': (view, page) => ({
    title: 'Set up an authenticator app',
    body: html`${whoLine(view)}
<p>${page.appName} needs a second factor. Scan this QR code with an authenticator app on your phone (for example Google Authenticator, Microsoft Authenticator, FreeOTP or 1Password).</p>
<img class="qr" src="${qrDataUrlSync(String(view.model.otpauthUri ?? ''))}" alt="QR code that adds your ${String(view.model.issuer ?? '')} account to an authenticator app" width="200" height="200">
<p class="help">Can't scan it? In the app, add an account by hand with this key (time-based):</p>
<p><code class="secret" id="totp-secret">${String(view.model.secret ?? '')}</code></p>
${codeField('Code from the app', 'Enter the 6-digit code the app now shows for your account.', page.message)}
<button type="submit" name="action" value="submit">Verify and continue</button>`,
  }),
};
