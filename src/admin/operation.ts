import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { AdminRole } from '../config/admin.ts';
import type { Json } from '../store/contract.ts';
import { parseInput } from './problems.ts';
import type { Permission } from './roles.ts';

// One operation of the console and the API (after node-oidc-provider's one table per endpoint):
// its method and path, the permission it needs, the zod schemas that validate its path
// parameters, query and body (the very schemas the OpenAPI document is generated from, so the
// document cannot drift from what is checked), and what it does. The API mounts every operation
// (api.ts); the console's pages and forms call the same ones (console/), so a role is checked and
// a change audited the same way from both (access.ts).

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

/** Who is calling: a console user signed in with a second factor, or an API token. */
export interface Caller {
  kind: 'user' | 'token';
  /** The username, or the token's name. */
  name: string;
  role: AdminRole;
  ip: string;
  userAgent: string;
}

/** A file to download (CSV, JSON, metadata, a certificate); large ones are streamed. */
export interface Download {
  kind: 'download';
  type: string;
  filename: string;
  body: string | Readable;
}

/** What the audit entry of a change says beyond who and what: the state before and after. */
export interface AuditNote {
  before?: Json;
  after?: Json;
  reason?: string;
}

export interface OpContext<P, Q, B> {
  caller: Caller;
  params: P;
  query: Q;
  body: B;
  /**
   * The request as sent, validated: what is stored where the input form matters (a policy's
   * "30d" stays "30d", which the schema would turn into milliseconds).
   */
  raw: RawRequest;
  /** Adds to the audit entry of this change. */
  note(note: AuditNote): void;
}

export interface OperationSpec<P, Q, B, R> {
  /** The OpenAPI operationId and the audit log's action. */
  id: string;
  method: HttpMethod;
  /** Under /admin/api/v1, with {name} path parameters. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  permission: Permission;
  /** Changes something: written to the audit log, done or refused. */
  changes?: boolean;
  /** What it acts on, for the audit log ("user alice"), from the raw path parameters. */
  target(params: Record<string, string>): string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** The JSON it answers, or the media types of what it downloads. */
  response: z.ZodType<R> | { download: string[] };
  /** The status of success (200 unless said). */
  status?: 200 | 201;
  run(ctx: OpContext<P, Q, B>): Promise<R | Download>;
}

export interface RawRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
}

/** An operation with its types checked inside: what the table, the API and the console hold. */
export interface Operation {
  readonly id: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly permission: Permission;
  readonly changes: boolean;
  readonly status: number;
  readonly schemas: {
    params?: z.ZodType;
    query?: z.ZodType;
    body?: z.ZodType;
    response: z.ZodType | { download: string[] };
  };
  target(params: Record<string, string>): string;
  /** Validates the raw request (every problem, InputError) and runs it. */
  invoke(caller: Caller, raw: RawRequest, note: (note: AuditNote) => void): Promise<unknown>;
}

export function operation<P = Record<string, never>, Q = Record<string, never>, B = undefined, R = unknown>(
  spec: OperationSpec<P, Q, B, R>,
): Operation {
  return {
    id: spec.id,
    method: spec.method,
    path: spec.path,
    tag: spec.tag,
    summary: spec.summary,
    description: spec.description,
    permission: spec.permission,
    changes: spec.changes ?? false,
    status: spec.status ?? 200,
    schemas: { params: spec.params, query: spec.query, body: spec.body, response: spec.response },
    target: spec.target,
    async invoke(caller, raw, note) {
      const params = (spec.params ? parseInput(spec.params, raw.params) : {}) as P;
      const query = (spec.query ? parseInput(spec.query, raw.query) : {}) as Q;
      const body = (spec.body ? parseInput(spec.body, raw.body) : undefined) as B;
      return spec.run({ caller, params, query, body, raw, note });
    },
  };
}

export function isDownload(value: unknown): value is Download {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'download';
}
