import QRCode from 'qrcode';
import { html } from '../../util/html.ts';
import { whoLine, type Template } from '../../ui/prompt-parts.ts';
import { registerStatic } from '../../ui/static.ts';

registerStatic(
  'push-wait.js',
  'text/javascript; charset=utf-8',
  new URL('../../ui/static/push-wait.js', import.meta.url),
);

// Pages of push sign-in (src/authn/steps/push*.ts). Without JavaScript the user presses
// "I approved it, continue"; with it, push-wait.js long-polls /login/push-wait and continues as
// soon as the phone answers.

/** The QR code as an SVG data: URL, made synchronously (templates are synchronous). */
function qrSvg(text: string): string {
  const { size, data } = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules;
  const margin = 2;
  let path = '';
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) if (data[y * size + x]) path += `M${x + margin} ${y + margin}h1v1h-1z`;
  const full = size + 2 * margin;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${full} ${full}" shape-rendering="crispEdges"><rect width="${full}" height="${full}" fill="#fff"/><path d="${path}" fill="#000"/></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

const sendButton = (label: string) => html`<button type="submit" name="push" value="send">${label}</button>`;

export const PUSH_TEMPLATES: Record<string, Template> = {
  push: (view, page) => {
    const m = view.model;
    const device = String(m.deviceName ?? 'your phone');
    const passwordless = m.passwordless === true;
    const title = passwordless ? 'Approve on your phone' : 'Approve with your phone';
    const waitUrl = page.action.replace('/login?', '/login/push-wait?');
    const state = String(m.state);
    if (state === 'pending') {
      return {
        title,
        script: 'push-wait.js',
        body: html`${whoLine(view)}
${
  m.code
    ? html`<p>Open the Latch Authenticator on <strong>${device}</strong> and type this code:</p>
<p class="push-code" id="push-code" aria-label="Verification code">${String(m.code)}</p>`
    : html`<p>Open the Latch Authenticator on <strong>${device}</strong> and approve the sign-in${passwordless ? ' (it will ask for your fingerprint, face or PIN)' : ''}.</p>`
}
<p id="push-wait" data-wait-url="${waitUrl}" role="status">Waiting for your phone… The request expires in ${String(m.lifetimeSeconds)} seconds.</p>
${
  m.offerTrust
    ? html`<p class="remember"><input type="checkbox" id="trust" name="trust" value="yes">
<label for="trust">Trust this browser: next time, approve on my phone without a code</label></p>`
    : ''
}
<button type="submit" name="push" value="continue" id="push-continue">I approved it, continue</button>
<p><button type="submit" name="push" value="send" class="link" formnovalidate>Send a new push</button></p>`,
      };
    }
    if (state === 'approved') {
      return {
        title,
        body: html`${whoLine(view)}<p>Approved on your phone.</p><button type="submit" name="push" value="continue" id="push-continue" autofocus>Continue</button>`,
      };
    }
    return {
      title,
      body: html`${whoLine(view)}
<p>We will send a sign-in request to <strong>${device}</strong>.${passwordless ? ' You approve it there with your fingerprint, face or PIN; no password needed.' : ''}</p>
${sendButton(state === 'ready' ? 'Send push' : 'Send another push')}`,
    };
  },
  'push-enroll': (view, page) => {
    const url = String(view.model.activationUrl);
    return {
      title: 'Set up phone sign-in',
      body: html`${whoLine(view)}
<p>Your account needs a second factor. Scan this code with your phone's camera, or open <strong>${String(view.model.appUrl)}</strong> on your phone and paste the link. It works once, within ${String(view.model.minutes)} minutes.</p>
<img class="qr" src="${qrSvg(url)}" alt="QR code of the activation link">
<label for="activation-link">Activation link</label>
<input id="activation-link" type="text" readonly value="${url}" class="activation-link">
<p><a class="button" href="${page.action}">I've activated it, continue</a></p>`,
    };
  },
  'push-gone': () => ({
    title: 'Your phone is not set up',
    body: html`<p>The Latch Authenticator is no longer activated for your account. Choose another way to sign in under "Other options", or start again.</p>`,
  }),
};
