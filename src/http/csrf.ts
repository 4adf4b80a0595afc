import { hmac, safeEqual } from '../util/random.ts';

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
