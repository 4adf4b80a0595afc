import { asLatchError, LatchError } from '../util/errors.ts';
import { errorPage } from '../ui/pages.ts';
import type { Ctx, Middleware } from './context.ts';

// The one place that turns errors into responses (src/util/errors.ts). An exposed LatchError shows
// its public message; an unexposed one, and anything else, a generic message with the request id.
// Detail and stack go only to the log.

const NOT_FOUND = () =>
  new LatchError({
    status: 404,
    code: 'not_found',
    publicMessage: 'There is no page at this address.',
    hint: 'Check the link, or go to the start page.',
  });

const METHOD_NOT_ALLOWED = (allow: string) =>
  new LatchError({
    status: 405,
    code: 'method_not_allowed',
    publicMessage: `This address does not accept this method; it accepts ${allow}.`,
  });

/** What a user sees while the store cannot be reached (a failover takes seconds): wait, then try again. */
const UNREACHABLE = (cause: unknown) =>
  new LatchError({
    status: 503,
    code: 'temporarily_unavailable',
    publicMessage: 'The sign-in service cannot reach its database at the moment.',
    hint: 'Wait a few seconds, then try again.',
    expose: true,
    cause,
  });
const RETRY_AFTER_SECONDS = '5';

export interface ErrorHandlerOptions {
  /** Whether an error means a service Latch depends on is unreachable (the store): answered 503, not 500. */
  unreachable?: (err: unknown) => boolean;
}

export function errorHandler(options: ErrorHandlerOptions = {}): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw NOT_FOUND();
      // The router's 405 (its Allow header stays) answered in the client's format, like every error.
      if (ctx.status === 405 && ctx.body === undefined) throw METHOD_NOT_ALLOWED(ctx.response.get('Allow'));
    } catch (err) {
      const error = options.unreachable?.(err) ? UNREACHABLE(err) : asLatchError(err);
      if (error.status >= 500) ctx.state.log.error({ err }, 'request failed');
      else ctx.state.log.warn({ code: error.code, detail: error.detail }, 'request refused');
      answer(ctx, error);
    }
  };
}

interface Shown {
  code: string;
  title: string;
  hint: string | undefined;
  links: Array<{ href: string; label: string }>;
}

/** What the client may see of an error: all of its public part, or, unexposed, nothing but its kind. */
function shown(error: LatchError, reference: string): Shown {
  if (error.expose) return { code: error.code, title: error.publicMessage, hint: error.hint, links: error.links };
  if (error.status < 500)
    return { code: 'bad_request', title: 'The request could not be understood.', hint: undefined, links: [] };
  const hint = `Try again. If it keeps happening, contact your help desk and give them this reference: ${reference}`;
  return { code: 'server_error', title: 'Something went wrong on our side.', hint, links: [] };
}

function answer(ctx: Ctx, error: LatchError): void {
  const reference = ctx.state.requestId;
  const { code, title, hint, links } = shown(error, reference);
  ctx.status = error.status;
  if (error.status === 503) ctx.set('Retry-After', RETRY_AFTER_SECONDS);
  if (ctx.state.jsonErrors || ctx.accepts('html', 'json') === 'json') {
    ctx.body = { error: code, error_description: title, request_id: reference };
  } else {
    ctx.type = 'html';
    ctx.body = errorPage({ title, hint, links, reference }).text;
  }
}
