import type { CurrentStep } from '../authn/flow.ts';
import { html, type Html } from '../util/html.ts';
import { layout } from './layout.ts';
import {
  PLATFORM_AUTHENTICATOR_FIELD,
  RESTART_FORM,
  WEBAUTHN_SCRIPT,
  alertBox,
  ceremony,
  describedBy,
  type PromptPage,
  type Template,
} from './prompt-parts.ts';

export type { PromptPage };

// The sign-in prompt: one template per step (keyed by StepView.template), inside a common frame
// with the application's name, the message of the last attempt, and "Other options". The first
// page (identify) is the engine's own; every other template comes from a method
// (src/methods/<method>/templates.ts), handed to the renderer.

/** "Yes, this is my device" under a second factor, when policy allows remembering browsers. */
const rememberBox = (remember: NonNullable<CurrentStep['remember']>, appName: string) => {
  const covers = remember.scope === 'all' ? 'any application' : appName;
  return html`<p class="remember"><input type="checkbox" id="remember" name="remember" value="yes">
<label for="remember">Yes, this is my device: don't ask for a second factor in this browser for ${covers} for ${remember.lifetime}</label></p>`;
};

/** After a passwordless sign-in: remember this browser (the engine's own offer, remember-browser-step.ts). */
const rememberBrowser: Template = (view, page) => {
  const covers = view.model.covers === 'all' ? 'any application' : page.appName;
  return {
    title: 'Remember this browser?',
    body: html`<p>Signed in as <strong>${String(view.model.username ?? '')}</strong>.</p>
<p>If this is your own device, Latch can skip the second factor in this browser when you sign in to ${covers} with your password, for ${String(view.model.lifetime ?? '')}. Don't choose this on a shared or public computer.</p>
<button type="submit" name="remember" value="yes">Yes, this is my device</button>
<button type="submit" name="remember" value="no" class="secondary">No</button>`,
  };
};

/**
 * Always under "Other options" at a second factor: what to do when none of the user's factors is
 * at hand, in the words the help desk searches for (the username, "bypass code").
 */
const stuckHelp = (stuck: NonNullable<CurrentStep['stuck']>) =>
  stuck.bypassCodes
    ? html`<p class="help" id="stuck-help">Can't use any of these? Ask your IT help desk for a <strong>bypass code</strong>: tell them your username, <strong>${stuck.username}</strong>, and that you can't use your second factor. Once they have made one, choose "Bypass code" here (reload this page if it is not listed).</p>`
    : html`<p class="help" id="stuck-help">Can't use any of these? Contact your IT help desk: tell them your username, <strong>${stuck.username}</strong>, and that you can't use your second factor.</p>`;

/** The pages the engine itself shows; every other template comes from a method. */
const ENGINE_TEMPLATES: Record<string, Template> = { 'remember-browser': rememberBrowser };

/** The password under the username, when nothing else needs the username first (flow.ts firstPageRider). */
const passwordBelow = html`<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit" name="action" value="submit">Sign in</button>`;

/**
 * The first page: the username (and the password, when the flow says it rides along), and the
 * browser's passkey autofill when policy allows passkeys.
 */
const identify: Template = (view, page) => {
  const autofill = view.model.passkeyOptions;
  return {
    title: `Sign in to ${page.appName}`,
    body: html`<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username webauthn" autocapitalize="none" spellcheck="false" required autofocus value="${String(view.model.username ?? '')}"${describedBy(page.message)}>
${view.model.alsoAsk === 'password' ? passwordBelow : html`<button type="submit" name="action" value="submit">Next</button>`}
${typeof autofill === 'string' ? ceremony('autofill', autofill) : ''}`,
    script: typeof autofill === 'string' ? WEBAUTHN_SCRIPT : undefined,
  };
};

/** Renders the current step's page with the template its view names (`templates`: the methods'). */
export function promptPage(page: PromptPage, templates: Record<string, Template>): Html {
  const name = page.current.view.template;
  const template = name === 'identify' ? identify : (ENGINE_TEMPLATES[name] ?? templates[name]);
  if (!template) throw new Error(`no template for step view "${name}"`);
  const { title, body, script, promoted = [] } = template(page.current.view, page);
  const others = page.current.alternatives.filter((alt) => !promoted.includes(alt.id));
  return layout(
    title,
    html`<p class="app">${page.appName}</p>
<h1>${title}</h1>
<form method="post" action="${page.action}" novalidate>
<input type="hidden" name="csrf" value="${page.csrf}">
<input type="hidden" name="step" value="${page.current.step.id}">
<input type="hidden" name="${PLATFORM_AUTHENTICATOR_FIELD}" value="">
${alertBox(page.message)}
${body}
${page.current.remember ? rememberBox(page.current.remember, page.appName) : ''}
${
  others.length > 0 || page.current.stuck
    ? html`<details class="options"><summary>Other options</summary>
${others.map((alt) => html`<button type="submit" name="choose" value="${alt.id}" class="link" formnovalidate>${alt.label}</button>`)}
${page.current.stuck ? stuckHelp(page.current.stuck) : ''}
</details>`
    : ''
}
<button type="submit" name="action" value="cancel" class="link cancel" formnovalidate>Cancel</button>
</form>
<form id="${RESTART_FORM}" method="post" action="${page.action}" hidden>
<input type="hidden" name="csrf" value="${page.csrf}">
<input type="hidden" name="step" value="${page.current.step.id}">
</form>`,
    // Every page runs the WebAuthn script, which also reports whether this device has a platform authenticator.
    { script: script ?? WEBAUTHN_SCRIPT },
  );
}
