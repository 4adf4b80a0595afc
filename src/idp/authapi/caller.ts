import type { Ctx } from '../../http/context.ts';
import type { BodyReader } from '../../http/route.ts';
import { ApiFailure } from './failure.ts';
import type { Integrations, OpenIntegration } from './integrations.ts';
import { apiBody, signedRequestOf } from './request.ts';
import { matchingVersion, parseAuthorization, signableHosts, type SignatureVersion } from './signature.ts';

// Who is calling the Auth API: the integration whose secret key signed the request. The cheap
// checks come first, from the headers alone (credentials present, integration known, date within
// the window), so a stranger's request costs no body read and no HMAC; then the body is read and
// the signature checked over exactly what was sent. Each refusal has its own code, so an
// administrator can tell a wrong key from a wrong clock.

export interface ApiCall {
  integration: OpenIntegration;
  params: Map<string, string>;
  version: SignatureVersion;
  /** The signature as sent (hex): what replay protection remembers. */
  signature: string;
}

export interface CallerDeps {
  integrations: Integrations;
  baseUrl: string;
  clockSkewMs: number;
  now?: () => number;
}

function requestDate(ctx: Ctx, now: number, skewMs: number): void {
  const header = ctx.get('x-duo-date') || ctx.get('date');
  if (!header)
    throw new ApiFailure(40104, 'Missing request timestamp', 'send a Date or X-Duo-Date header (RFC 2822) and sign it');
  const at = Date.parse(header);
  if (!Number.isFinite(at))
    throw new ApiFailure(40105, 'Invalid request timestamp', `could not read the date "${header.slice(0, 64)}"`);
  const off = Math.round((at - now) / 1000);
  if (Math.abs(at - now) > skewMs) {
    throw new ApiFailure(
      40105,
      'Request timestamp is outside the allowed window',
      `the request is dated ${off} s from Latch's clock; at most ${Math.round(skewMs / 1000)} s is allowed: check the client's clock (NTP)`,
    );
  }
}

/**
 * The body reader of a signed endpoint: returns the verified call of an auth-api integration.
 * `legacy`: duo_unix 1.x's dateless v1 signatures, only for an integration that allows them.
 */
export function signedCall(deps: CallerDeps, legacy = false): BodyReader<ApiCall> {
  return {
    async read(ctx) {
      const credentials = parseAuthorization(ctx.get('authorization') || undefined);
      if (!credentials)
        throw new ApiFailure(
          40101,
          'Missing request credentials',
          'send Authorization: Basic base64(ikey:hex signature)',
        );
      const integration = await deps.integrations.open(credentials.ikey);
      if (!integration || integration.type !== 'auth-api') {
        throw new ApiFailure(
          40102,
          'Invalid integration key in request credentials',
          'no auth-api integration has this key; see npx latch integrations list',
        );
      }
      if (legacy && !integration.legacyV1) {
        throw new ApiFailure(
          40301,
          'Access forbidden',
          'this integration does not accept the legacy /rest/v1 API (latch integrations add … --allow-legacy-v1)',
        );
      }
      if (!legacy) requestDate(ctx, (deps.now ?? Date.now)(), deps.clockSkewMs);
      const body = await apiBody.read(ctx);
      const { signed, params } = signedRequestOf(ctx, body, signableHosts(ctx.get('host'), deps.baseUrl));
      const version = matchingVersion(signed, integration.secret, credentials.signature, legacy);
      if (!version) {
        throw new ApiFailure(
          40103,
          'Invalid signature in request credentials',
          'check the secret key, and that the host the client signs is the one it connects to',
        );
      }
      return { integration, params, version, signature: credentials.signature };
    },
  };
}
