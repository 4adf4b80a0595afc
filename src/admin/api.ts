import type { Ctx } from '../http/context.ts';
import { jsonText, orRefuse, route, type Route } from '../http/route.ts';
import { LatchError } from '../util/errors.ts';
import type { Access } from './access.ts';
import { isDownload, type Caller, type Operation } from './operation.ts';
import { openApiDocument } from './openapi.ts';
import { badInput, InputError } from './problems.ts';
import type { AdminTokens } from './tokens.ts';

// The admin API: every operation of the table under /admin/api/v1/, for scripts with an API token
// (Authorization: Bearer latch-admin.…). Answers are JSON; errors are JSON too, with a code, a
// message and, for bad input, every problem by field:
//   { "error": "invalid_request", "error_description": "...", "problems": [{ "field", "message" }], "request_id" }

export const API_PREFIX = '/admin/api/v1';

/** Large enough for SAML metadata (read up to 2 MiB), small enough to bound what is read. */
export const API_BODY_LIMIT = 3 * 1024 * 1024;

export interface ApiDeps {
  operations: Operation[];
  access: Access;
  tokens: AdminTokens;
  baseUrl: string;
}

/** "/users/{username}" as Koa's router writes it. */
export function routerPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

export function apiRoutes(deps: ApiDeps): Route[] {
  const bearer = orRefuse(async (ctx: Ctx) => callerOfToken(ctx, deps.tokens), unauthorized);
  const document = JSON.stringify(openApiDocument(deps.operations, deps.baseUrl));
  return [
    route({
      method: 'get',
      path: `${API_PREFIX}/openapi.json`,
      json: true,
      handle(ctx) {
        ctx.type = 'application/json';
        ctx.set('Cache-Control', 'no-cache');
        ctx.body = document;
      },
    }),
    ...deps.operations.map((op) =>
      route({
        method: op.method,
        path: API_PREFIX + routerPath(op.path),
        label: API_PREFIX + op.path,
        auth: bearer,
        json: true,
        refusals: answerJson,
        ...(op.schemas.body ? { body: jsonText(API_BODY_LIMIT) } : {}),
        async handle(ctx, { caller, body, params }) {
          const value = await deps.access.perform(op, caller, { params, query: ctx.query, body: readJson(body) });
          if (isDownload(value)) {
            ctx.type = value.type;
            ctx.attachment(value.filename);
            ctx.body = value.body;
            return;
          }
          ctx.status = op.status;
          ctx.body = value ?? {};
        },
      }),
    ),
  ];
}

async function callerOfToken(ctx: Ctx, tokens: AdminTokens): Promise<Caller | undefined> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'));
  const token = match ? await tokens.verify(match[1]!) : undefined;
  if (!token) return undefined;
  ctx.state.log.info({ token: token.name, role: token.role }, 'admin API token accepted');
  return {
    kind: 'token',
    name: token.name,
    role: token.role,
    ip: ctx.state.clientIp,
    userAgent: ctx.get('user-agent') || 'unknown',
  };
}

function unauthorized(): LatchError {
  return new LatchError({
    status: 401,
    code: 'unauthorized',
    publicMessage:
      'This API needs a valid token: send "Authorization: Bearer latch-admin.…" (npx latch admin token create NAME --role ROLE).',
    detail: 'admin API request without a valid token',
  });
}

function readJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badInput('', `the body is not JSON (${(err as Error).message})`);
  }
}

/** The API's errors: JSON with the code, the message and, for bad input, each problem. */
async function answerJson(ctx: Ctx, error: LatchError): Promise<boolean> {
  if (!error.expose) return false;
  if (error.status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="latch-admin"');
  ctx.state.log.warn({ code: error.code, detail: error.detail }, 'admin API request refused');
  ctx.status = error.status;
  ctx.body = {
    error: error.code,
    error_description: error.publicMessage,
    ...(error instanceof InputError ? { problems: error.problems } : {}),
    request_id: ctx.state.requestId,
  };
  return true;
}
