import { hmac, safeEqual } from '../util/random.ts';
import { LatchError } from '../util/errors.ts';

// CSRF tokens are MACs over what the form may change (a transaction at its current step, or a
// session), keyed by the server secret. A token from another browser, another transaction or an
// earlier step does not verify, so forged and replayed forms are refused without server state.

export class CsrfTokens {
  constructor(private readonly key: Buffer) {}

  issue(purpose: string): string {
    return hmac(this.key, `csrf:${purpose}`);
  }

  verify(purpose: string, token: string | undefined): boolean {
    return typeof token === 'string' && safeEqual(token, this.issue(purpose));
  }
}

/**
 * The refusal of an account page's form whose token is stale or forged: nothing changed, and
 * `page` (as the account home links it) is where to try again; `path` goes to the log.
 */
export function staleAccountForm(page: string, path: string): () => never {
  return () => {
    throw new LatchError({
      status: 403,
      code: 'csrf',
      publicMessage: 'This page was out of date, so nothing was changed.',
      hint: `Open ${page} from your account page and try again.`,
      detail: `stale or forged CSRF token on ${path}`,
    });
  };
}
