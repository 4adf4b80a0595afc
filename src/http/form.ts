import coBody from 'co-body';
import { LatchError } from '../util/errors.ts';
import type { Ctx } from './context.ts';

// The two kinds of request body Latch reads, each with a size limit (src/http/route.ts declares
// which one an endpoint takes).

/** Reads an application/x-www-form-urlencoded body, with a size limit, as flat strings. */
export async function readForm(ctx: Ctx, limitBytes: number): Promise<Record<string, string>> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new LatchError({
      status: 415,
      code: 'unsupported_media_type',
      publicMessage: 'This form was sent in a way Latch does not accept.',
      detail: `content-type ${ctx.get('content-type')}`,
    });
  }
  let parsed: unknown;
  try {
    parsed = await coBody.form(ctx.req, {
      limit: limitBytes,
      queryString: { depth: 0, arrayLimit: 0, parameterLimit: 100 },
    });
  } catch (err) {
    const status = (err as { status?: number }).status === 413 ? 413 : 400;
    throw new LatchError({
      status,
      code: status === 413 ? 'payload_too_large' : 'bad_request',
      publicMessage: status === 413 ? 'The form was too large.' : 'The form could not be read.',
      detail: (err as Error).message,
    });
  }
  const form: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === 'string') form[name] = value;
  }
  return form;
}

/** Reads an application/json body, with a size limit, as text (a signature may cover it byte for byte). */
export async function readJsonText(ctx: Ctx, limitBytes: number): Promise<string> {
  if (!ctx.is('application/json')) {
    throw new LatchError({
      status: 415,
      code: 'unsupported_media_type',
      publicMessage: 'Send JSON.',
      detail: `content-type ${ctx.get('content-type')}`,
    });
  }
  try {
    return await coBody.text(ctx.req, { limit: limitBytes });
  } catch (err) {
    if ((err as { status?: number }).status === 413) {
      throw new LatchError({
        status: 413,
        code: 'payload_too_large',
        publicMessage: `The request body is larger than ${limitBytes} bytes.`,
        detail: (err as Error).message,
      });
    }
    throw new LatchError({
      status: 400,
      code: 'bad_request',
      publicMessage: 'The request body could not be read.',
      detail: (err as Error).message,
    });
  }
}
