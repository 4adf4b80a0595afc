// One error type for everything Latch refuses on purpose, after node-oidc-provider's: a status,
// a machine-readable code, what a person or client may read (`publicMessage`, `hint`, `links`),
// what only the log sees (`detail`), and `expose`, whether the public part may be shown at all.
// src/http/errors.ts is the one place that answers with it: an unexposed error (anything that is
// not a LatchError becomes one) is shown as a generic message with the request's reference, never
// its detail, so neither a stack trace nor an internal message reaches a browser.
//
// What is not the answer to a request keeps a class of its own: ConfigError, KeyFileError and
// TokenFileError tell an operator, at startup or on the command line, what is wrong with a file
// (no status, nothing for a browser); TransportError steers LDAP failover inside src/ldap;
// XmlRejected is the XML parser's refusal, which a request turns into a SamlError (a LatchError)
// and a metadata file into a ConfigError; LatchApiError is the Latch Authenticator's own reading
// of Latch's JSON answer, on the phone or the command line.

export interface LatchErrorOptions {
  status: number;
  /** Machine-readable code, e.g. "invalid_request", "csrf". */
  code: string;
  publicMessage: string;
  detail?: string;
  /** What the user can do about it, shown under the message. */
  hint?: string;
  /** Where the user can go from here (an error page shows them as links). */
  links?: Array<{ href: string; label: string }>;
  /** Whether the code and public message may be shown; by default, for any status below 500. */
  expose?: boolean;
  cause?: unknown;
}

export class LatchError extends Error {
  readonly status: number;
  readonly code: string;
  readonly publicMessage: string;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly links: Array<{ href: string; label: string }>;
  readonly expose: boolean;

  constructor(options: LatchErrorOptions) {
    const message =
      options.detail === undefined ? options.publicMessage : `${options.publicMessage} (${options.detail})`;
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LatchError';
    this.status = options.status;
    this.code = options.code;
    this.publicMessage = options.publicMessage;
    this.detail = options.detail;
    this.hint = options.hint;
    this.links = options.links ?? [];
    this.expose = options.expose ?? options.status < 500;
  }
}

/** Messages for errors that say nothing of their cause. */
const GENERIC: Record<number, string> = { 413: 'The request was too large.' };

/**
 * Anything thrown, as a LatchError: itself; an HTTP error of Koa or a body parser (a status, no
 * words of Latch's) as an exposed generic refusal; anything else as an unexposed server error.
 */
export function asLatchError(err: unknown): LatchError {
  if (err instanceof LatchError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  const status = httpStatusOf(err);
  if (status !== undefined && status < 500) {
    return new LatchError({
      status,
      code: 'bad_request',
      publicMessage: GENERIC[status] ?? 'The request could not be understood.',
      detail,
      cause: err,
    });
  }
  return new LatchError({
    status: status ?? 500,
    code: 'server_error',
    publicMessage: 'Something went wrong on our side.',
    detail,
    expose: false,
    cause: err,
  });
}

function httpStatusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined;
}
