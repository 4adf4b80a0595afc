import { errorPage } from '../../ui/pages.ts';
import { layout } from '../../ui/layout.ts';
import { html, Html } from '../../util/html.ts';

// The pages oidc-provider would otherwise draw itself (error, logout confirmation, signed out),
// and the consent page, in Latch's frame: no inline script or style (the CSP forbids them).

/** Scopes in words a user understands. */
const SCOPE_WORDS: Record<string, string> = {
  openid: 'Know who you are',
  profile: 'Your name and username',
  email: 'Your email address',
  groups: 'The groups you belong to',
  offline_access: 'Stay signed in to it when you are not using it',
};

export function consentPage(options: {
  appName: string;
  scopes: string[];
  claims: string[];
  action: string;
  csrf: string;
}): Html {
  const items = [...options.scopes.map((s) => SCOPE_WORDS[s] ?? s), ...options.claims];
  return layout(
    `Allow ${options.appName}?`,
    html`<h1>Allow ${options.appName} to:</h1>
<ul class="consent">${items.map((item) => html`<li>${item}</li>`)}</ul>
<form method="post" action="${options.action}">
<input type="hidden" name="csrf" value="${options.csrf}">
<button type="submit" name="decision" value="allow" autofocus>Allow</button>
<button type="submit" name="decision" value="deny" class="link">Deny</button>
</form>`,
  );
}

/** oidc-provider's renderError: shown instead of redirecting (for example to an unregistered redirect URI). */
export function oidcErrorPage(out: { error?: string; error_description?: string }): string {
  const title =
    out.error === 'invalid_redirect_uri' || out.error_description?.includes('redirect_uri')
      ? 'The application sent you to Latch with an address Latch does not know.'
      : 'The application’s sign-in request could not be accepted.';
  const hint = `Tell the application’s administrator: ${out.error ?? 'error'}${out.error_description ? ` (${out.error_description})` : ''}.`;
  return errorPage({ title, hint }).text;
}

/** The logout confirmation; `form` is oidc-provider's hidden form (its CSRF token) that the buttons submit. */
export function logoutPage(form: string, host: string): string {
  return layout(
    'Sign out?',
    html`<h1>Sign out of Latch at ${host}?</h1>
${new Html(form)}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="link">No, stay signed in</button>`,
  ).text;
}

export function postLogoutPage(appName: string | undefined): string {
  return layout(
    'Signed out',
    html`<h1>You have signed out${appName ? html` of ${appName}` : ''}</h1>
<p><a href="/">Go to your Latch account</a></p>`,
  ).text;
}
