// One error type for everything Latch refuses on purpose. `publicMessage` is what a person or
// client may see; `detail` is for the log only. Anything that is not a LatchError is shown as a
// generic server error (see src/http/errors.ts), so a stack trace never reaches a browser.

export interface LatchErrorOptions {
  status: number;
  /** Machine-readable code, e.g. "invalid_request", "csrf". */
  code: string;
  publicMessage: string;
  detail?: string;
  /** What the user can do about it, shown under the message. */
  hint?: string;
}

export class LatchError extends Error {
  readonly status: number;
  readonly code: string;
  readonly publicMessage: string;
  readonly detail: string | undefined;
  readonly hint: string | undefined;

  constructor(options: LatchErrorOptions) {
    super(options.detail ?? options.publicMessage);
    this.name = 'LatchError';
    this.status = options.status;
    this.code = options.code;
    this.publicMessage = options.publicMessage;
    this.detail = options.detail;
    this.hint = options.hint;
  }
}

export const badRequest = (publicMessage: string, detail?: string, hint?: string) =>
  new LatchError({ status: 400, code: 'bad_request', publicMessage, detail, hint });
