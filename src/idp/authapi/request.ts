import coBody from 'co-body';
import type { Ctx } from '../../http/context.ts';
import type { BodyReader } from '../../http/route.ts';
import { ApiFailure, badParameter } from './failure.ts';
import type { SignedRequest } from './signature.ts';

// Reading an Auth API request before its signature is checked: the parameters as they were
// signed (the query string's, or an application/x-www-form-urlencoded body's), or a JSON body as
// sent (v4 and v5 signatures cover it byte for byte). Every limit is checked before anything is
// built: size, number of parameters, length of a name; bad percent-encoding or UTF-8 is refused
// rather than guessed at, since the signature must cover exactly what was meant.

export const MAX_BODY_BYTES = 16 * 1024;
const MAX_PARAMS = 32;
const MAX_NAME = 64;

export interface ApiBody {
  kind: 'none' | 'form' | 'json';
  text: string;
}

/** The body reader of every Auth API endpoint: a form, JSON, or nothing (GET). */
export const apiBody: BodyReader<ApiBody> = {
  async read(ctx) {
    const length = Number(ctx.get('content-length') || 0);
    if (length > MAX_BODY_BYTES) throw tooLarge(length);
    const hasBody = length > 0 || ctx.get('transfer-encoding') !== '';
    if (!hasBody) return { kind: 'none', text: '' };
    const kind = ctx.is('application/x-www-form-urlencoded') ? 'form' : ctx.is('application/json') ? 'json' : undefined;
    if (!kind)
      throw new ApiFailure(
        41501,
        'Unsupported media type',
        `send application/x-www-form-urlencoded or application/json, not ${ctx.get('content-type') || 'nothing'}`,
      );
    try {
      return { kind, text: await coBody.text(ctx.req, { limit: MAX_BODY_BYTES, encoding: 'utf8' }) };
    } catch (err) {
      if ((err as { status?: number }).status === 413) throw tooLarge(length);
      throw badParameter(`the body could not be read: ${(err as Error).message}`);
    }
  },
};

const tooLarge = (length: number) =>
  new ApiFailure(41301, 'Request too large', `at most ${MAX_BODY_BYTES} bytes (got ${length || 'more'})`);

function decode(part: string, what: string): string {
  try {
    const text = decodeURIComponent(part.replace(/\+/g, ' '));
    return text;
  } catch {
    throw badParameter(`${what} is not valid percent-encoded UTF-8`);
  }
}

/** Pairs of an x-www-form-urlencoded string, refused when malformed or too many. */
export function parsePairs(text: string): Array<[string, string]> {
  if (text === '') return [];
  const parts = text.split('&');
  if (parts.length > MAX_PARAMS) throw badParameter(`at most ${MAX_PARAMS} parameters (got ${parts.length})`);
  return parts.map((part) => {
    const at = part.indexOf('=');
    const name = decode(at < 0 ? part : part.slice(0, at), 'a parameter name');
    if (name === '' || name.length > MAX_NAME)
      throw badParameter(`a parameter name must be 1 to ${MAX_NAME} characters`);
    return [name, decode(at < 0 ? '' : part.slice(at + 1), `parameter ${name}`)];
  });
}

/** The parameters of a JSON body: one object of strings, numbers or booleans. */
function jsonParams(text: string): Array<[string, string]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badParameter('the JSON body could not be parsed');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw badParameter('the JSON body must be an object');
  const entries = Object.entries(parsed);
  if (entries.length > MAX_PARAMS) throw badParameter(`at most ${MAX_PARAMS} parameters (got ${entries.length})`);
  return entries.map(([name, value]) => {
    if (name === '' || name.length > MAX_NAME)
      throw badParameter(`a parameter name must be 1 to ${MAX_NAME} characters`);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      throw badParameter(`parameter ${name} must be a string`);
    return [name, String(value)];
  });
}

/** What the signature covers, and the parameters the endpoint reads. */
export function signedRequestOf(
  ctx: Ctx,
  body: ApiBody,
  hosts: string[],
): { signed: SignedRequest; params: Map<string, string> } {
  const query = parsePairs(ctx.querystring);
  if (body.kind === 'form' && query.length > 0)
    throw badParameter('send parameters in the query string or in the body, not both');
  const signedParams = body.kind === 'form' ? parsePairs(body.text) : query;
  const all = body.kind === 'json' ? [...query, ...jsonParams(body.text)] : signedParams;
  const params = new Map<string, string>();
  for (const [name, value] of all) {
    if (params.has(name)) throw badParameter(`parameter ${name} is given more than once`);
    params.set(name, value);
  }
  const duoHeaders = Object.entries(ctx.headers)
    .filter(([name]) => name.startsWith('x-duo-') && name !== 'x-duo-date')
    .map(([name, value]): [string, string] => [name, Array.isArray(value) ? value.join(',') : (value ?? '')]);
  const signed: SignedRequest = {
    date: ctx.get('x-duo-date') || ctx.get('date'),
    method: ctx.method,
    hosts,
    path: ctx.path,
    params: signedParams,
    jsonBody: body.kind === 'json' ? body.text : undefined,
    duoHeaders,
  };
  return { signed, params };
}
