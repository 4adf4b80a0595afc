import type { PushDevice } from './push.ts';
import { html, type Html } from '../../util/html.ts';
import { layout } from '../../ui/layout.ts';

// The account page's "Phone sign-in" section: which Latch Authenticator is activated, and the
// one-time activation QR code and link.

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function authenticatorPage(options: {
  device?: PushDevice;
  csrf: string;
  /** Policy allows this user the Latch Authenticator (removing one is always allowed). */
  canActivate: boolean;
  message?: string;
  activation?: { url: string; qr: string; minutes: number; appUrl: string };
}): Html {
  const { device, activation } = options;
  return layout(
    'Phone sign-in',
    html`<h1>Phone sign-in</h1>
${options.message ? html`<p class="alert" role="alert">${options.message}</p>` : ''}
${
  device
    ? html`<p data-field="push-device">Activated on <strong>${device.name}</strong> (${device.platform}) since ${day(device.createdAt)}.</p>`
    : html`<p>Approve sign-ins on your phone with the Latch Authenticator, and use its passcodes when you are offline.</p>`
}
${
  activation
    ? html`<h2>Activate your phone</h2>
<p>Scan this code with your phone's camera, or open <a href="${activation.appUrl}">${activation.appUrl}</a> on your phone and paste the link below. It works once, within ${String(activation.minutes)} minutes.</p>
<img class="qr" src="${activation.qr}" alt="QR code of the activation link">
<label for="activation-link">Activation link</label>
<input id="activation-link" type="text" readonly value="${activation.url}" class="activation-link">
<p>On a computer without a phone: <code>latch-authenticator activate "LINK"</code>.</p>`
    : options.canActivate
      ? html`<form method="post" action="/account/authenticator/activate">
<input type="hidden" name="csrf" value="${options.csrf}">
<button type="submit">${device ? 'Activate on a new phone' : 'Activate the Latch Authenticator'}</button>
</form>`
      : html`<p class="help">Your organisation's sign-in policy does not allow phone sign-in for your account.</p>`
}
${
  device && !activation
    ? html`<form method="post" action="/account/authenticator/remove">
<input type="hidden" name="csrf" value="${options.csrf}">
<button type="submit" class="link">Remove ${device.name}</button>
</form>`
    : ''
}
<p><a href="/">Back to your account</a></p>`,
  );
}
