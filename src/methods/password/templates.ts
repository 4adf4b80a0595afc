import { html } from '../../util/html.ts';
import { describedBy, whoLine, type Template } from '../../ui/prompt-parts.ts';

// The password page. The username rides along hidden, so password managers save the pair.

export const PASSWORD_TEMPLATES: Record<string, Template> = {
  password: (view, page) => ({
    title: 'Enter your password',
    body: html`${whoLine(view)}
<input type="text" name="username" value="${String(view.model.username ?? '')}" autocomplete="username" hidden>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus${describedBy(page.message)}>
<button type="submit" name="action" value="submit">Sign in</button>`,
  }),
};
