import { html, type Html } from '../util/html.ts';
import { layout } from './layout.ts';

export function errorPage(options: {
  title: string;
  hint?: string;
  reference?: string;
  links?: Array<{ href: string; label: string }>;
}): Html {
  return layout(
    options.title,
    html`<h1>${options.title}</h1>
${options.hint ? html`<p>${options.hint}</p>` : ''}
${(options.links ?? []).map((l) => html`<p><a href="${l.href}">${l.label}</a></p>`)}
${options.reference ? html`<p class="reference">Reference: <code>${options.reference}</code></p>` : ''}`,
  );
}

export function signedOutPage(): Html {
  return layout(
    'Signed out',
    html`<h1>You have signed out</h1>
<p>Close the browser to be sure that every application has forgotten you.</p>
<p><a href="/">Sign in again</a></p>`,
  );
}
