import { html, type Html } from '../../util/html.ts';
import { barChart, tableHead, when, type ConsoleFrame } from './layout.ts';

// The authentication log and the overview in the console.

export interface LogEntryView {
  time: number;
  event: string;
  result: string;
  reason: string;
  user?: string;
  app?: string;
  methods?: string[];
  level?: string;
  authenticators?: Array<{ method: string; id: string; name: string }>;
  ip?: string;
  userAgent?: string;
}

export const LOG_FILTERS = ['user', 'app', 'result', 'method', 'ip', 'from', 'to'] as const;
export type LogQuery = Partial<Record<(typeof LOG_FILTERS)[number], string>>;

const LABELS: Record<(typeof LOG_FILTERS)[number], string> = {
  user: 'User',
  app: 'Application',
  result: 'Result',
  method: 'Method',
  ip: 'IP address',
  from: 'From (UTC)',
  to: 'To (UTC)',
};

type Query = Partial<Record<string, string>>;

export function queryString(query: Query, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...query, ...extra })) if (v) params.set(k, v);
  return params.toString();
}

/** The filters of a log page found in the query string (non-empty strings only), and its cursor. */
export function filtersOf<F extends string>(
  raw: Record<string, unknown>,
  filters: readonly F[],
): { query: Partial<Record<F, string>>; cursor: { cursor?: string } } {
  const query = Object.fromEntries(
    filters.flatMap((f) => (typeof raw[f] === 'string' && raw[f] ? [[f, raw[f]]] : [])),
  ) as Partial<Record<F, string>>;
  return { query, cursor: typeof raw.cursor === 'string' ? { cursor: raw.cursor } : {} };
}

/** A log page's filters (from and to are times), as a search form. */
export function filterForm<F extends string>(
  action: string,
  filters: readonly F[],
  labels: Record<F, string>,
  query: Partial<Record<F, string>>,
): Html {
  const id = action.split('/').pop();
  return html`<form class="filters" method="get" action="${action}" role="search">
${filters.map((f) => html`<div><label for="${id}-${f}">${labels[f]}</label><input id="${id}-${f}" name="${f}" value="${query[f] ?? ''}"${f === 'from' || f === 'to' ? html` placeholder="2026-11-01T00:00:00Z"` : ''}></div>`)}
<button type="submit">Filter</button></form>`;
}

/** How far back a rare filter looked. */
export const searchedNote = (back: number | undefined): Html | string =>
  back ? html`<p class="muted">Searched back to ${when(back)}; older entries are on the next page.</p>` : '';

/** The link to the next (older) page, with the same filters. */
export const olderLink = (action: string, query: Query, next: string | undefined): Html | string =>
  next ? html`<p><a href="${action}?${queryString(query, { cursor: next })}" rel="next">Older entries</a></p>` : '';

function methodsOf(e: LogEntryView): string {
  const used = (e.authenticators ?? []).map((a) => `${a.name} (${a.id})`);
  return [...(e.methods ?? []), ...(e.level === 'passwordless' ? ['passwordless'] : []), ...used].join(', ');
}

export function logPage(
  _frame: ConsoleFrame,
  query: LogQuery,
  entries: LogEntryView[],
  next: string | undefined,
  searchedBackTo: number | undefined,
): Html {
  return html`${filterForm('/admin/log', LOG_FILTERS, LABELS, query)}
<p>Export this view: <a href="/admin/log/export?${queryString(query, { format: 'csv' })}" download>CSV</a> · <a href="/admin/log/export?${queryString(query, { format: 'json' })}" download>JSON</a></p>
${searchedNote(searchedBackTo)}
<table>${tableHead(['Time', 'User', 'Application', 'Result', 'Reason', 'Methods', 'IP', 'User agent'])}
<tbody>${entries.map((e) => html`<tr><td>${when(e.time)}</td><td>${e.user ?? ''}</td><td>${e.app ?? ''}</td><td${e.result === 'success' ? '' : html` class="bad"`}>${e.event} ${e.result}</td><td>${e.reason}</td><td>${methodsOf(e)}</td><td>${e.ip ?? ''}</td><td class="muted">${(e.userAgent ?? '').slice(0, 80)}</td></tr>`)}</tbody></table>
${entries.length === 0 ? html`<p>No entries match.</p>` : ''}
${olderLink('/admin/log', query, next)}`;
}

export interface Overview {
  day: { signIns: number; failures: number; hours: number[] };
  month: { signIns: number; failures: number; days: number[]; capped: boolean };
  apps: Array<{ app: string; signIns: number }>;
  users: { total: number; secondFactor: number; passwordless: number; capped: boolean };
}

export function overviewPage(_frame: ConsoleFrame, o: Overview): Html {
  return html`<div class="stats">
<section><h2>Last 24 hours</h2><p>${o.day.signIns} sign-ins, ${o.day.failures} failures</p>
${barChart('Sign-ins per hour, last 24 hours', o.day.hours.map((v, i) => ({ label: `${i}h ago`, value: v })).reverse())}</section>
<section><h2>Last 30 days</h2><p>${o.month.signIns} sign-ins, ${o.month.failures} failures${o.month.capped ? ' (counted in the most recent entries only)' : ''}</p>
${barChart('Sign-ins per day, last 30 days', o.month.days.map((v, i) => ({ label: `${i}d ago`, value: v })).reverse())}</section>
<section><h2>Users</h2><p>${o.users.secondFactor} of ${o.users.total} have a second factor; ${o.users.passwordless} have passwordless sign-in${o.users.capped ? ' (first users only)' : ''}.</p></section>
</div>
<h2>Applications by sign-ins (30 days)</h2>
<table><thead><tr><th scope="col">Application</th><th scope="col">Sign-ins</th></tr></thead>
<tbody>${o.apps.map((a) => html`<tr><td>${a.app}</td><td>${a.signIns}</td></tr>`)}</tbody></table>`;
}
