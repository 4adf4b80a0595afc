import { LatchError } from '../../../util/errors.ts';
import type { Claims } from './jwt.ts';

// The request JWT of /oauth/v1/authorize, as the Duo Web SDK v4 signs it: who the application
// says the user is (duo_uname), where to send the browser back (redirect_uri, authenticated by
// the signature), the state to return, and optionally a nonce for the ID token.

export interface AuthorizeRequest {
  clientId: string;
  username: string;
  redirectUri: string;
  state: string;
  nonce?: string;
  /** Return the code as duo_code (SDK v4 default) rather than code. */
  useDuoCode: boolean;
}

const invalid = (detail: string) =>
  new LatchError({
    status: 400,
    code: 'invalid_request',
    publicMessage: 'The application sent an authorization request Latch cannot accept.',
    hint: 'Go back to the application and try again; if it keeps happening, tell its administrator.',
    detail,
  });

export function authorizeRequest(claims: Claims, query: Record<string, string>, audiences: string[]): AuthorizeRequest {
  const text = (name: string, min: number, max: number): string => {
    const value = claims[name];
    if (typeof value !== 'string' || value.length < min || value.length > max)
      throw invalid(`${name}: expected ${min} to ${max} characters`);
    return value;
  };
  const clientId = text('client_id', 20, 20);
  if (claims.iss !== undefined && claims.iss !== clientId) throw invalid('iss must be the client_id');
  if (query.client_id !== clientId) throw invalid('client_id of the query and of the request differ');
  if (claims.response_type !== 'code') throw invalid('response_type must be code');
  if (typeof claims.scope !== 'string' || !claims.scope.split(' ').includes('openid'))
    throw invalid('scope must include openid');
  if (typeof claims.aud === 'string' && !audiences.includes(claims.aud)) throw invalid(`aud must be ${audiences[0]}`);
  const redirectUri = text('redirect_uri', 1, 2048);
  if (query.redirect_uri !== undefined && query.redirect_uri !== redirectUri)
    throw invalid('redirect_uri of the query and of the request differ');
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    throw invalid('redirect_uri is not an absolute URL');
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw invalid('redirect_uri must be https (http only on loopback)');
  if (url.hash) throw invalid('redirect_uri must not have a fragment');
  const nonce = claims.nonce === undefined ? undefined : text('nonce', 1, 512);
  return {
    clientId,
    username: text('duo_uname', 1, 256),
    redirectUri,
    state: text('state', 22, 1024),
    ...(nonce ? { nonce } : {}),
    useDuoCode: claims.use_duo_code_attribute !== false,
  };
}

/** Where the browser goes back: the redirect URI with the code or the error, and the state. */
export function backTo(
  request: Pick<AuthorizeRequest, 'redirectUri' | 'state' | 'useDuoCode'>,
  params: { code: string } | { error: string; error_description: string },
): string {
  const url = new URL(request.redirectUri);
  if ('code' in params) url.searchParams.set(request.useDuoCode ? 'duo_code' : 'code', params.code);
  else for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  url.searchParams.set('state', request.state);
  return url.toString();
}
