import coBody from 'co-body';
import type { Ctx } from '../../http/context.ts';
import type { Form } from '../../http/route.ts';
import { LatchError } from '../../util/errors.ts';

// The console's one multipart form (an SP's metadata file, uploaded): read whole, up to a limit,
// into text fields by name (a file's content as its field's value). Files are small XML documents,
// so a streaming parser would buy nothing; the limit bounds what is read.

export async function readMultipart(ctx: Ctx, limitBytes: number): Promise<Form> {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(ctx.get('content-type'));
  if (!ctx.is('multipart/form-data') || !boundary) {
    throw new LatchError({
      status: 415,
      code: 'unsupported_media_type',
      publicMessage: 'This form was sent in a way Latch does not accept.',
    });
  }
  let raw: string;
  try {
    raw = await coBody.text(ctx.req, { limit: limitBytes, encoding: 'latin1' });
  } catch (err) {
    const tooLarge = (err as { status?: number }).status === 413;
    throw new LatchError({
      status: tooLarge ? 413 : 400,
      code: tooLarge ? 'payload_too_large' : 'bad_request',
      publicMessage: tooLarge
        ? `The upload is larger than ${Math.round(limitBytes / 1024 / 1024)} MiB: metadata is far smaller; check the file.`
        : 'The form could not be read.',
      detail: (err as Error).message,
    });
  }
  return parseParts(raw, boundary[1] ?? boundary[2]!);
}

/** Fields of a multipart body read as latin1 (byte for byte), values decoded as UTF-8. */
export function parseParts(raw: string, boundary: string): Form {
  const form: Form = {};
  for (const part of raw.split(`--${boundary}`).slice(1)) {
    if (part.startsWith('--')) break;
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(part.slice(0, split))?.[1];
    if (name === undefined || name in form) continue;
    const value = part.slice(split + 4).replace(/\r\n$/, '');
    form[name] = Buffer.from(value, 'latin1').toString('utf8');
  }
  return form;
}
