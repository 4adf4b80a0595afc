import { LatchError } from '../util/errors.ts';
import { errorPage } from '../ui/pages.ts';
import type { Middleware } from './context.ts';

// The one place that turns errors into responses. A LatchError shows its public message; anything
// else becomes a generic page with the request id, and its detail and stack go only to the log.

export function errorHandler(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new LatchError({ status: 404, code: 'not_found', publicMessage: 'There is no page at this address.', hint: 'Check the link, or go to the start page.' });
      }
    } catch (err) {
      const known = err instanceof LatchError ? err : undefined;
      const status = known?.status ?? (isHttpError(err) ? err.status : 500);
      if (status >= 500) ctx.state.log.error({ err }, 'request failed');
      else ctx.state.log.warn({ code: known?.code, detail: known?.detail ?? (err as Error).message }, 'request refused');
      const publicMessage = known?.publicMessage ?? (status === 413 ? 'The request was too large.' : status < 500 ? 'The request could not be understood.' : 'Something went wrong on our side.');
      const hint = known?.hint ?? (status >= 500 ? `Try again. If it keeps happening, contact your help desk and give them this reference: ${ctx.state.requestId}` : undefined);
      ctx.status = status;
      if (ctx.accepts('html', 'json') === 'json') {
        ctx.body = { error: known?.code ?? (status >= 500 ? 'server_error' : 'bad_request'), error_description: publicMessage, request_id: ctx.state.requestId };
      } else {
        ctx.type = 'html';
        ctx.body = errorPage({ title: publicMessage, hint, reference: ctx.state.requestId }).text;
      }
    }
  };
}

function isHttpError(err: unknown): err is { status: number } {
  const status = (err as { status?: unknown })?.status;
  return typeof status === 'number' && status >= 400 && status < 600;
}
