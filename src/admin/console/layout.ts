import { html, type Html } from '../../util/html.ts';
import type { Caller } from '../operation.ts';
import { allows, ROLE_NAMES, type Permission } from '../roles.ts';

// The console's frame: Latch's stylesheet and the console's, a navigation bar (a list of links,
// the current page marked for screen readers), who is signed in with what role, and sign-out.
// No script at all: confirmations are pages, charts are SVG drawn on the server.

export interface ConsoleFrame {
  caller: Caller;
  /** The CSRF token of this session's forms. */
  csrf: string;
  /** The session's sign-out token (the account site's /logout). */
  logoutCsrf: string;
}

const SECTIONS: Array<[string, string, Permission]> = [
  ['/admin/', 'Overview', 'overview:read'],
  ['/admin/users', 'Users', 'users:read'],
  ['/admin/applications', 'Applications', 'applications:read'],
  ['/admin/policies', 'Policies', 'policies:read'],
  ['/admin/log', 'Authentication log', 'log:read'],
  ['/admin/audit', 'Audit log', 'audit:read'],
  ['/admin/roles', 'Administrators', 'roles:read'],
];

export function consolePage(frame: ConsoleFrame, current: string, title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – Latch console</title>
<link rel="stylesheet" href="/static/latch.css">
<link rel="stylesheet" href="/static/admin.css">
</head>
<body class="console">
<main class="card">
<div class="who">${frame.caller.name} (${ROLE_NAMES[frame.caller.role]})
<form class="inline" method="post" action="/logout"><input type="hidden" name="csrf" value="${frame.logoutCsrf}"><button class="link" type="submit">Sign out</button></form></div>
<nav aria-label="Console"><ul>
${SECTIONS.filter(([, , permission]) => allows(frame.caller.role, permission)).map(([href, label]) => html`<li><a href="${href}"${href === current ? html` aria-current="page"` : ''}>${label}</a></li>`)}
</ul></nav>
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`;
}

/** A table's header row, one column header per label. */
export const tableHead = (labels: string[]): Html =>
  html`<thead>
    <tr>
      ${labels.map((label) => html`<th scope="col">${label}</th>`)}
    </tr>
  </thead>`;

/** A hidden CSRF field for a console form. */
export const csrfField = (frame: ConsoleFrame) => html`<input type="hidden" name="csrf" value="${frame.csrf}">`;

/** "2026-11-23 14:05:10 UTC", or a dash. */
export function when(ms: number | null | undefined): string {
  return ms === null || ms === undefined
    ? '–'
    : new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC');
}

/** A bar chart in SVG (no script, no inline style): one bar per value, with a text equivalent. */
export function barChart(label: string, bars: Array<{ label: string; value: number }>): Html {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const width = 12;
  return html`<figure><svg role="img" aria-label="${label}" width="${bars.length * width}" height="60" viewBox="0 0 ${bars.length * width} 60">
<title>${label}: ${bars.map((b) => `${b.label} ${b.value}`).join(', ')}</title>
${bars.map((b, i) => {
  const h = Math.round((b.value / max) * 56);
  return html`<rect x="${i * width + 1}" y="${60 - h}" width="${width - 2}" height="${h}" fill="#1f5fbf"><title>${b.label}: ${b.value}</title></rect>`;
})}
</svg><figcaption>${label}</figcaption></figure>`;
}
