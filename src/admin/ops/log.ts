import { z } from 'zod';
import type { StoredAuthEvent } from '../../authn/auth-log.ts';
import { eachLogBatch, searchLog } from '../../authn/log-search.ts';
import type { StoredEvent } from '../../store/contract.ts';
import type { AdminDeps } from '../deps.ts';
import { csvRow, JsonArrayWriter, streamed, writeTo } from '../export.ts';
import { operation, type Operation } from '../operation.ts';
import { badInput } from '../problems.ts';
import { formatQuery, queryInt, queryTime, time } from './common.ts';

// The authentication log and the admin audit log: filtered, newest first, a page at a time with a
// cursor, and exported as CSV or JSON streamed a batch at a time (a month of log is never held in
// memory: authn/log-search.ts).

const logFilters = z.object({
  user: z.string().max(256).optional().describe('The username (exact, case-insensitive).'),
  app: z.string().max(1024).optional().describe('The application (SAML entity ID or OIDC client_id).'),
  result: z.string().max(64).optional().describe('success, failure, denied, throttled, …'),
  method: z.string().max(64).optional().describe('A method used (password, webauthn, passcodes, push, passwordless…).'),
  ip: z.string().max(64).optional().describe('The client address (exact).'),
  from: queryTime.optional().describe('From this time (ISO 8601 or epoch ms), inclusive.'),
  to: queryTime.optional().describe('Up to this time, exclusive.'),
});
type LogFilters = z.infer<typeof logFilters>;

const entrySchema = z.object({
  time: z.number(),
  event: z.string(),
  result: z.string(),
  reason: z.string(),
  user: z.string().optional(),
  app: z.string().optional(),
  methods: z.array(z.string()).optional(),
  level: z.string().optional(),
  authenticators: z.array(z.object({ method: z.string(), id: z.string(), name: z.string() })).optional(),
  ip: z.string().optional(),
  userAgent: z.string().optional(),
});

/** Entries one page may read: a filter that matches rarely still answers quickly (under 100 ms with a million entries). */
const PAGE_SCAN_LIMIT = 5000;

const lower = (v: string | undefined) => v?.trim().toLowerCase() || undefined;

/** `next` of a previous page, passed back to read on. */
const cursorQuery = z
  .string()
  .regex(/^\d{1,15}\.\d{1,9}$/, 'expected the `next` of a previous page')
  .optional();

/** The filter the store cannot apply itself (it reads by time only). */
export function logFilter(filters: LogFilters): (e: StoredAuthEvent) => boolean {
  const user = lower(filters.user);
  const method = lower(filters.method);
  const { app, result, ip } = filters;
  return (e) =>
    (!user || e.user?.toLowerCase() === user) &&
    (!app || e.app === app) &&
    (!result || e.result === result) &&
    (!ip || e.ip === ip) &&
    (!method || (e.methods ?? []).some((m) => m.toLowerCase() === method) || e.level === method);
}

function view(e: StoredEvent<StoredAuthEvent>) {
  const d = e.data;
  return {
    time: e.time,
    event: d.event,
    result: d.result,
    reason: d.reason,
    user: d.user,
    app: d.app,
    methods: d.methods,
    level: d.level,
    authenticators: d.authenticators,
    ip: d.ip,
    userAgent: d.userAgent,
  };
}

const CSV_HEADER = [
  'Time',
  'User',
  'Application',
  'Event',
  'Result',
  'Reason',
  'Methods',
  'Authenticators',
  'IP',
  'User Agent',
];

function csvOf(e: StoredEvent<StoredAuthEvent>): string {
  const d = e.data;
  const used = (d.authenticators ?? []).map((a) => `${a.name} (${a.method} ${a.id})`).join('; ');
  const methods = [...(d.methods ?? []), ...(d.level === 'passwordless' ? ['passwordless'] : [])].join('; ');
  return csvRow([
    time(e.time),
    d.user ?? '',
    d.app ?? '',
    d.event,
    d.result,
    d.reason,
    methods,
    used,
    d.ip ?? '',
    d.userAgent ?? '',
  ]);
}

function range(filters: LogFilters): { from?: number; to?: number } {
  if (filters.from !== undefined && filters.to !== undefined && filters.from >= filters.to)
    throw badInput('to', 'expected a time after `from`');
  return { from: filters.from, to: filters.to };
}

export function logOperations(deps: AdminDeps): Operation[] {
  const stream = deps.authLog.stream();
  return [
    operation({
      id: 'searchAuthLog',
      method: 'get',
      path: '/auth-log',
      tag: 'Authentication log',
      summary: 'Search the authentication log',
      description:
        'Newest first, a page at a time: pass `next` back as `cursor`. A rare filter stops after 5,000 entries and says how far back it searched (`searchedBackTo`); the next page goes on from there.',
      permission: 'log:read',
      target: () => 'authentication log',
      query: logFilters.extend({
        limit: queryInt(1, 500).optional(),
        cursor: cursorQuery,
      }),
      response: z.object({
        entries: z.array(entrySchema),
        next: z.string().optional(),
        searchedBackTo: z.number().optional(),
      }),
      async run({ query }) {
        const page = await searchLog(stream, {
          ...range(query),
          limit: query.limit ?? deps.config.admin.pageSize,
          cursor: query.cursor,
          filter: logFilter(query),
          scanLimit: PAGE_SCAN_LIMIT,
        });
        return { entries: page.entries.map(view), next: page.next, searchedBackTo: page.searchedBackTo };
      },
    }),
    operation({
      id: 'exportAuthLog',
      method: 'get',
      path: '/auth-log/export',
      tag: 'Authentication log',
      summary: 'Export the authentication log',
      description: 'Every entry that matches the filters, newest first, as CSV or JSON; streamed.',
      permission: 'log:read',
      target: () => 'authentication log',
      query: logFilters.extend({ format: formatQuery }),
      response: { download: ['text/csv', 'application/json'] },
      async run({ query }) {
        const csv = query.format === 'csv';
        const search = { ...range(query), filter: logFilter(query) };
        const body = streamed(async (out) => {
          const json = new JsonArrayWriter(out);
          await (csv ? writeTo(out, csvRow(CSV_HEADER)) : json.start());
          await eachLogBatch(stream, search, async (batch) => {
            await (csv ? writeTo(out, batch.map(csvOf).join('')) : json.writeAll(batch.map(view)));
          });
          if (!csv) await json.end();
        }, deps.log);
        return {
          kind: 'download',
          type: csv ? 'text/csv; charset=utf-8' : 'application/json',
          filename: `latch-auth-log.${query.format}`,
          body,
        };
      },
    }),
    operation({
      id: 'searchAuditLog',
      method: 'get',
      path: '/audit-log',
      tag: 'Audit log',
      summary: 'Search the admin audit log',
      description:
        'Every change made (or refused) through the console or the API, newest first, a page at a time: pass `next` back as `cursor`. A rare filter stops after 5,000 entries and says how far back it searched (`searchedBackTo`).',
      permission: 'audit:read',
      target: () => 'audit log',
      query: z.object({
        actor: z.string().max(256).optional().describe('A username or token name (exact, case-insensitive).'),
        action: z.string().max(64).optional().describe('An operation, as the API names it (grantAdminRole).'),
        from: queryTime.optional().describe('From this time (ISO 8601 or epoch ms), inclusive.'),
        to: queryTime.optional().describe('Up to this time, exclusive.'),
        limit: queryInt(1, 500).optional(),
        cursor: cursorQuery,
      }),
      response: z.object({
        entries: z.array(z.record(z.string(), z.unknown())),
        next: z.string().optional(),
        searchedBackTo: z.number().optional(),
      }),
      async run({ query }) {
        const actor = lower(query.actor);
        const action = lower(query.action);
        const filter = (e: { actor: string; action: string }) =>
          (!actor || e.actor.toLowerCase() === actor) && (!action || e.action.toLowerCase() === action);
        const page = await searchLog(deps.audit.stream(), {
          ...range(query),
          limit: query.limit ?? deps.config.admin.pageSize,
          cursor: query.cursor,
          filter,
          scanLimit: PAGE_SCAN_LIMIT,
        });
        return {
          entries: page.entries.map((e) => ({ time: e.time, ...e.data })),
          next: page.next,
          searchedBackTo: page.searchedBackTo,
        };
      },
    }),
  ];
}
