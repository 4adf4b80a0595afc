import { html, type Html } from '../util/html.ts';

// The frame of every page: language, title, Latch's stylesheet and (when a page needs it) its
// script, all from /static so the Content-Security-Policy can forbid inline code.
export function layout(title: string, body: Html, options: { script?: string } = {}): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – Latch</title>
<link rel="stylesheet" href="/static/latch.css">
${options.script ? html`<script src="/static/${options.script}" defer></script>` : ''}
</head>
<body>
<main class="card">
${body}
</main>
</body>
</html>
`;
}
