import { html } from '../../util/html.ts';
import { codeField, whoLine, type Template } from '../../ui/prompt-parts.ts';

// The sign-in page of bypass codes: enter the code the help desk gave.

export const BYPASS_CODE_TEMPLATES: Record<string, Template> = {
  'bypass-code': (view, page) => ({
    title: 'Enter a bypass code',
    body: html`${whoLine(view)}
${codeField('Bypass code', 'Enter a bypass code your IT help desk gave you.', page.message, 'off')}
<button type="submit" name="action" value="submit">Verify</button>`,
  }),
};
