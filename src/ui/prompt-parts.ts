import type { CurrentStep } from '../authn/flow.ts';
import type { StepView } from '../authn/step.ts';
import { html, type Html } from '../util/html.ts';

// Pieces every sign-in page template uses. Templates of a method live in their own module
// (src/ui/prompt-<method>.ts) and are listed in src/ui/prompt.ts.

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

/** A visible button that switches to another alternative of the stage ("Use your password instead"). */
export const chooseButton = (id: string, label: string) =>
  html`<button type="submit" name="choose" value="${id}" class="secondary" formnovalidate>${label}</button>`;

export const alertBox = (message: string | undefined) =>
  message ? html`<p class="alert" role="alert" id="prompt-error">${message}</p>` : '';

export const describedBy = (message: string | undefined) => (message ? html` aria-describedby="prompt-error" aria-invalid="true"` : '');

/** "Signing in as alice. Not you?" at the top of the pages after the first. */
export const whoLine = (view: StepView) =>
  html`<p class="who">Signing in as <strong>${String(view.model.username ?? '')}</strong> <button type="submit" name="action" value="restart" class="link" formnovalidate>Not you?</button></p>`;
