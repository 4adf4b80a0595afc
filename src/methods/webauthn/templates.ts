import { html } from '../../util/html.ts';
import { WEBAUTHN_SCRIPT, ceremony, chooseButton, describedBy, whoLine, type Template } from '../../ui/prompt-parts.ts';

// Pages of the WebAuthn steps: use a passkey or security key, register one. (Passkey autofill on
// the first page is the identify page's, src/ui/prompt.ts.)

export const WEBAUTHN_TEMPLATES: Record<string, Template> = {
  'webauthn-authenticate': (view, page) => {
    const passwordless = view.model.purpose === 'passwordless';
    // Most people who reach the passkey page (shown for every username) sign in with a password.
    const password = passwordless && page.current.alternatives.some((alt) => alt.id === 'password');
    return {
      title: passwordless ? 'Sign in with your passkey' : 'Use your security key or this device',
      body: html`${whoLine(view)}
${ceremony('authenticate', String(view.model.options))}
<p>${
        passwordless
          ? 'Use your fingerprint, face, screen lock or security key when your browser asks.'
          : 'Insert or touch your security key, or confirm on this device, when your browser asks.'
      }</p>
<button type="submit" name="action" value="submit" id="webauthn-start" autofocus>${passwordless ? 'Use passkey' : 'Continue'}</button>
${password ? chooseButton('password', 'Use your password instead') : ''}`,
      script: WEBAUTHN_SCRIPT,
      promoted: password ? ['password'] : [],
    };
  },
  'webauthn-register': (view, page) => {
    const offer = view.model.purpose === 'offer';
    return {
      title: offer ? 'Sign in faster next time' : 'Set up a security key or this device',
      body: html`${whoLine(view)}
${ceremony('register', String(view.model.options))}
<p>${
        offer
          ? 'Create a passkey: next time, sign in with your fingerprint, face or screen lock instead of your password.'
          : 'Your account needs a second factor. Register a security key, or this device if it has a fingerprint reader, face recognition or a screen lock.'
      }</p>
<label for="name">Name <span class="hint">(to recognise it later)</span></label>
<input id="name" name="name" type="text" maxlength="64" autocomplete="off" value="${String(view.model.name ?? '')}" placeholder="${offer ? '' : 'Security key or this device'}"${describedBy(page.message)}>
<button type="submit" name="action" value="submit" id="webauthn-start">Continue</button>
${offer ? html`<button type="submit" name="skip" value="yes" class="link" formnovalidate>Skip for now</button>` : ''}`,
      script: WEBAUTHN_SCRIPT,
    };
  },
};
