import type { Route } from '../../http/route.ts';
import { html, type Html } from '../../util/html.ts';
import { InputError } from '../problems.ts';
import { ROLE_NAMES } from '../roles.ts';
import type { AdminRole } from '../../config/admin.ts';
import type { ConsoleKit } from './kit.ts';
import { tableHead, when } from './layout.ts';
import { filterForm, filtersOf, olderLink, searchedNote } from './log-pages.ts';
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

function auditPage(query: AuditQuery, entries: AuditView[], next?: string, searchedBackTo?: number): Html {
  return html`${filterForm('/admin/audit', FILTERS, LABELS, query)} ${searchedNote(searchedBackTo)}
    <table>
      ${tableHead(['Time', 'Who', 'Action', 'Target', 'Result', 'Before', 'After', 'IP'])}
      <tbody>
        ${entries.map((e) => html`<tr><td>${when(e.time)}</td><td>${e.actorKind} ${e.actor}${e.role ? ` (${ROLE_NAMES[e.role]})` : ''}</td><td>${e.action}</td><td>${e.target}</td><td${e.result === 'done' ? '' : html` class="bad"`}>${e.result}${e.reason ? `: ${e.reason}` : ''}</td><td><code>${short(e.before)}</code></td><td><code>${short(e.after)}</code></td><td>${e.ip ?? ''}</td></tr>`)}
      </tbody>
    </table>
    ${entries.length === 0 ? html`<p>No entries match.</p>` : ''} ${olderLink('/admin/audit', query, next)}`;
}

export function auditRoutes({ page, run, show }: ConsoleKit): Route[] {
  return [
    page('/admin/audit', 'audit:read', async (ctx, signed) => {
      const { query, cursor } = filtersOf(ctx.query, FILTERS);
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
