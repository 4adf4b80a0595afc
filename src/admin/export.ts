import { PassThrough, type Readable } from 'node:stream';
import type { Logger } from 'pino';

// Exports that stream: rows are written as they are read, and the reader waits while the client
// is slower (backpressure), so a month of log or a whole directory is never held in memory.
// CSV follows RFC 4180; a cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR at
// its start) gets a leading apostrophe, so an attacker's "username" cannot become a formula.

const FORMULA = /^[=+\-@\t\r]/;

export function csvCell(value: string): string {
  const safe = FORMULA.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvRow(values: string[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/** Writes one chunk, waiting when the client is slower; throws once the client has gone. */
export async function writeTo(out: PassThrough, chunk: string): Promise<void> {
  if (out.destroyed) throw new Error('the client closed the download');
  if (out.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', gone);
      resolve();
    };
    const gone = () => {
      out.off('drain', done);
      reject(new Error('the client closed the download'));
    };
    out.once('drain', done);
    out.once('close', gone);
  });
}

export type Format = 'csv' | 'json';

/** A JSON array written element by element. */
export class JsonArrayWriter {
  private first = true;
  constructor(private readonly out: PassThrough) {}
  start(): Promise<void> {
    return writeTo(this.out, '[');
  }
  write(value: unknown): Promise<void> {
    return this.writeAll([value]);
  }
  /** Several elements in one write (a batch of the log): one wait for the client, not one each. */
  writeAll(values: unknown[]): Promise<void> {
    if (values.length === 0) return Promise.resolve();
    const text = `${this.first ? '\n' : ',\n'}${values.map((v) => JSON.stringify(v)).join(',\n')}`;
    this.first = false;
    return writeTo(this.out, text);
  }
  end(): Promise<void> {
    return writeTo(this.out, '\n]\n');
  }
}

/**
 * A stream that `produce` fills in the background; it ends when `produce` resolves. A failure
 * after the answer began cannot change its status: the stream is cut short and the log says why.
 */
export function streamed(produce: (out: PassThrough) => Promise<void>, log: Logger): Readable {
  const out = new PassThrough({ highWaterMark: 64 * 1024 });
  void produce(out).then(
    () => out.end(),
    (err: Error) => {
      if (!out.destroyed) log.error({ err }, 'export failed part way; the download is cut short');
      out.destroy(err);
    },
  );
  return out;
}
