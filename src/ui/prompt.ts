import type { CurrentStep } from '../authn/flow.ts';
import { html, type Html } from '../util/html.ts';
import { layout } from './layout.ts';
import { alertBox, describedBy, whoLine, type PromptPage, type Template } from './prompt-parts.ts';
import { WEBAUTHN_SCRIPT, WEBAUTHN_TEMPLATES, passkeyAutofill } from '../methods/webauthn/templates.ts';
import { PASSCODE_TEMPLATES } from '../methods/passcodes/templates.ts';
import { PUSH_TEMPLATES } from '../methods/push/templates.ts';

export type { PromptPage };

// The sign-in prompt: one template per step (keyed by StepView.template), inside a common frame
// with the application's name, the message of the last attempt, and "Other options".

/** "Yes, this is my device" under a second factor, when policy allows remembering browsers. */
const rememberBox = (remember: NonNullable<CurrentStep['remember']>, appName: string) => {
  const days = remember.days === 1 ? '1 day' : `${remember.days} days`;
  const covers = remember.scope === 'all' ? 'any application' : appName;
  return html`<p class="remember"><input type="checkbox" id="remember" name="remember" value="yes">
<label for="remember">Yes, this is my device: don't ask for a second factor in this browser for ${covers} for ${days}</label></p>`;
};

// Each method's templates, by StepView.template; a method's module adds its own with a spread line.
const TEMPLATES: Record<string, Template> = {
  identify: (view, page) => ({
    title: `Sign in to ${page.appName}`,
    body: html`<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username webauthn" autocapitalize="none" spellcheck="false" required autofocus value="${String(view.model.username ?? '')}"${describedBy(page.message)}>
<button type="submit" name="action" value="submit">Next</button>
${passkeyAutofill(view)}`,
    script: view.model.passkeyOptions ? WEBAUTHN_SCRIPT : undefined,
  }),
  password: (view, page) => ({
    title: 'Enter your password',
    body: html`${whoLine(view)}
<input type="text" name="username" value="${String(view.model.username ?? '')}" autocomplete="username" hidden>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus${describedBy(page.message)}>
<button type="submit" name="action" value="submit">Sign in</button>`,
  }),
  ...WEBAUTHN_TEMPLATES,
  ...PASSCODE_TEMPLATES,
  ...PUSH_TEMPLATES,
};

export function promptPage(page: PromptPage): Html {
  const template = TEMPLATES[page.current.view.template];
  if (!template) throw new Error(`no template for step view "${page.current.view.template}"`);
  const { title, body, script, promoted = [] } = template(page.current.view, page);
  const others = page.current.alternatives.filter((alt) => !promoted.includes(alt.id));
  return layout(
    title,
    html`<p class="app">${page.appName}</p>
<h1>${title}</h1>
<form method="post" action="${page.action}" novalidate>
<input type="hidden" name="csrf" value="${page.csrf}">
<input type="hidden" name="step" value="${page.current.step.id}">
${alertBox(page.message)}
${body}
${page.current.remember ? rememberBox(page.current.remember, page.appName) : ''}
${others.length > 0
  ? html`<details class="options"><summary>Other options</summary>
${others.map((alt) => html`<button type="submit" name="choose" value="${alt.id}" class="link" formnovalidate>${alt.label}</button>`)}
</details>`
  : ''}
<button type="submit" name="action" value="cancel" class="link cancel" formnovalidate>Cancel</button>
</form>`,
    { script },
  );
}
