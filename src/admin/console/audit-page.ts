import type { Route } from '../../http/route.ts';
import { html, type Html } from '../../util/html.ts';
import { InputError } from '../problems.ts';
import { ROLE_NAMES } from '../roles.ts';
import type { AdminRole } from '../../config/admin.ts';
import type { ConsoleKit } from './kit.ts';
import { when } from './layout.ts';
import { problemPage } from './pages.ts';

// The admin audit log in the console: who changed (or tried to change) what, with what role,
// the state before and after, and from where; filtered, newest first, a page at a time (the
// cursor is the server's, as the authentication log's page).

const FILTERS = ['actor', 'action', 'from', 'to'] as const;
type AuditQuery = Partial<Record<(typeof FILTERS)[number], string>>;

const LABELS: Record<(typeof FILTERS)[number], string> = {
  actor: 'Who (username or token)',
  action: 'Action (as the API names it)',
  from: 'From (UTC)',
  to: 'To (UTC)',
};

interface AuditView {
  time: number;
  actor: string;
  actorKind: string;
  role: AdminRole | null;
  action: string;
  target: string;
  result: string;
  reason?: string;
  before?: unknown;
  after?: unknown;
  ip?: string;
}

const short = (value: unknown) => (value === undefined ? '' : JSON.stringify(value).slice(0, 300));

function queryString(query: AuditQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...query, ...extra })) if (v) params.set(k, v);
  return params.toString();
}

function auditPage(query: AuditQuery, entries: AuditView[], next?: string, searchedBackTo?: number): Html {
  return html`<form class="filters" method="get" action="/admin/audit" role="search">
      ${FILTERS.map((f) => html`<div><label for="audit-${f}">${LABELS[f]}</label><input id="audit-${f}" name="${f}" value="${query[f] ?? ''}" ${f === 'from' || f === 'to' ? html` placeholder="2026-11-01T00:00:00Z"` : ''} /></div>`)}
      <button type="submit">Filter</button>
    </form>
    ${searchedBackTo ? html`<p class="muted">Searched back to ${when(searchedBackTo)}; older entries are on the next page.</p>` : ''}
    <table>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Who</th>
          <th scope="col">Action</th>
          <th scope="col">Target</th>
          <th scope="col">Result</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
          <th scope="col">IP</th>
        </tr>
      </thead>
      <tbody>
        ${entries.map((e) => html`<tr><td>${when(e.time)}</td><td>${e.actorKind} ${e.actor}${e.role ? ` (${ROLE_NAMES[e.role]})` : ''}</td><td>${e.action}</td><td>${e.target}</td><td${e.result === 'done' ? '' : html` class="bad"`}>${e.result}${e.reason ? `: ${e.reason}` : ''}</td><td><code>${short(e.before)}</code></td><td><code>${short(e.after)}</code></td><td>${e.ip ?? ''}</td></tr>`)}
      </tbody>
    </table>
    ${entries.length === 0 ? html`<p>No entries match.</p>` : ''}
    ${next ? html`<p><a href="/admin/audit?${queryString(query, { cursor: next })}" rel="next">Older entries</a></p>` : ''}`;
}

export function auditRoutes({ page, run, show }: ConsoleKit): Route[] {
  return [
    page('/admin/audit', 'audit:read', async (ctx, signed) => {
      const query: AuditQuery = Object.fromEntries(
        FILTERS.flatMap((f) => (typeof ctx.query[f] === 'string' && ctx.query[f] ? [[f, ctx.query[f]]] : [])),
      );
      const cursor = typeof ctx.query.cursor === 'string' ? { cursor: ctx.query.cursor } : {};
      try {
        const found = (await run('searchAuditLog', signed, { query: { ...query, ...cursor } })) as {
          entries: AuditView[];
          next?: string;
          searchedBackTo?: number;
        };
        show(
          ctx,
          signed,
          '/admin/audit',
          'Audit log',
          auditPage(query, found.entries, found.next, found.searchedBackTo),
        );
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        show(
          ctx,
          signed,
          '/admin/audit',
          'Audit log',
          problemPage(err.publicMessage, err.problems, '/admin/audit'),
          400,
        );
      }
    }),
  ];
}
