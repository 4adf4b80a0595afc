import type { CurrentStep } from '../authn/flow.ts';
import type { StepView } from '../authn/step.ts';
import { html, type Html } from '../util/html.ts';

// Pieces every sign-in page template uses. A method's templates live in its folder
// (src/methods/<method>/templates.ts); the prompt is handed them all (src/ui/prompt.ts).

export interface PromptPage {
  appName: string;
  action: string;
  csrf: string;
  message?: string;
  current: CurrentStep;
}

export interface TemplateResult {
  title: string;
  body: Html;
  script?: string;
  /** Alternatives the body offers as buttons of its own: left out of "Other options". */
  promoted?: string[];
}

export type Template = (view: StepView, page: PromptPage) => TemplateResult;

/**
 * A hidden field on every prompt page that the WebAuthn script fills with "yes" or "no": whether
 * the browser has a user-verifying platform authenticator (a passkey on this device can work).
 */
export const PLATFORM_AUTHENTICATOR_FIELD = 'platform_authenticator';

/** The browser script that runs WebAuthn ceremonies (the prompt's and the account page's). */
export const WEBAUTHN_SCRIPT = 'webauthn.js';

/**
 * A WebAuthn ceremony for WEBAUTHN_SCRIPT: its options ride in a data attribute (no inline script
 * under the CSP); the script runs it and posts the result with the form.
 */
export const ceremony = (kind: 'authenticate' | 'register' | 'autofill', options: string) =>
  html`<div id="webauthn-ceremony" data-ceremony="${kind}" data-options="${options}" hidden></div>`;

/** One text field for a one-time code: numeric keypad on phones, password managers offer their code. */
export const codeField = (label: string, help: string, message: string | undefined, autocomplete = 'one-time-code') =>
  html`<label for="code">${label}</label>
<p class="help" id="code-help">${help}</p>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="${autocomplete}" autocapitalize="none" spellcheck="false" required autofocus aria-describedby="code-help"${describedBy(message)}>`;

/** A visible button that switches to another alternative of the stage ("Use your password instead"). */
export const chooseButton = (id: string, label: string) =>
  html`<button type="submit" name="choose" value="${id}" class="secondary" formnovalidate>${label}</button>`;

export const alertBox = (message: string | undefined) =>
  message ? html`<p class="alert" role="alert" id="prompt-error">${message}</p>` : '';

export const describedBy = (message: string | undefined) =>
  message ? html` aria-describedby="prompt-error" aria-invalid="true"` : '';

/** The id of the prompt's second form, which "Not you?" posts (src/ui/prompt.ts). */
export const RESTART_FORM = 'prompt-restart';

/**
 * "Signing in as alice. Not you?" at the top of the pages after the first. Its button belongs to a
 * form of its own: as the first button of the page's form it would be what Enter presses, and a
 * user who typed a password and pressed Enter would land on the username page again.
 */
export const whoLine = (view: StepView) =>
  html`<p class="who">Signing in as <strong>${String(view.model.username ?? '')}</strong> <button type="submit" form="${RESTART_FORM}" name="action" value="restart" class="link" formnovalidate>Not you?</button></p>`;
