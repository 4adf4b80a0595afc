import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

// Signed requests of the Auth API (Duo's HMAC scheme), as the open-source clients make them:
//   Authorization: Basic base64(ikey ":" hex(HMAC(skey, canonical request)))
// The canonical request is the date, the method in upper case, the host in lower case, the path,
// and the parameters (RFC 3986-encoded, sorted by name then value, joined by "&"), one per line:
//   v2: those five lines; HMAC-SHA1 (40 hex digits) or HMAC-SHA512 (128)
//   v4: a sixth line, the SHA-512 of the JSON body (parameters then go in the body), HMAC-SHA512
//   v5: v4 and a seventh line, the SHA-512 of the X-Duo-* headers (lower-case names, sorted,
//       name NUL value NUL …), HMAC-SHA512
//   v1: the legacy form of duo_unix 1.x (/rest/v1/): no date line at all, so a captured request
//       stays valid; tried only for integrations that allow it (see legacy-v1.ts)
// A request does not say which version it signed, so each is tried, with the host as the client
// addressed it with and without the port (login_duo signs the name alone).

export interface SignedRequest {
  date: string;
  method: string;
  /** Hosts the client may have signed. */
  hosts: string[];
  path: string;
  /** Parameters as the canonical string holds them: the query's, or a form body's. */
  params: Array<[string, string]>;
  /** The body as sent when it is JSON (v4, v5); undefined otherwise. */
  jsonBody?: string;
  /** X-Duo-* request headers other than X-Duo-Date, lower-case names. */
  duoHeaders: Array<[string, string]>;
}

export type SignatureVersion = 'v1' | 'v2' | 'v4' | 'v5';

/** RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - . _ ~ */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function canonicalParams(params: Array<[string, string]>): string {
  const encoded = params.map(([k, v]) => [rfc3986(k), rfc3986(v)] as const);
  encoded.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return encoded.map(([k, v]) => `${k}=${v}`).join('&');
}

const sha512Hex = (text: string) => createHash('sha512').update(text, 'utf8').digest('hex');

export function canonicalHeaders(headers: Array<[string, string]>): string {
  const sorted = [...headers]
    .map(([k, v]) => [k.toLowerCase(), v] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sha512Hex(sorted.flatMap(([k, v]) => [k, v]).join('\0'));
}

export function canonicalRequest(request: SignedRequest, host: string, version: SignatureVersion): string {
  const lines = [
    request.date,
    request.method.toUpperCase(),
    host.toLowerCase(),
    request.path,
    canonicalParams(request.params),
  ];
  if (version === 'v1') return lines.slice(1).join('\n');
  if (version === 'v2') return lines.join('\n');
  lines.push(sha512Hex(request.jsonBody ?? ''));
  if (version === 'v5') lines.push(canonicalHeaders(request.duoHeaders));
  return lines.join('\n');
}

/** The credentials of an Authorization header; undefined when it is not Basic ikey:hex. */
export function parseAuthorization(header: string | undefined): { ikey: string; signature: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/]{1,400}={0,2})$/.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('latin1');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  const signature = decoded.slice(colon + 1);
  if (!/^([0-9a-f]{40}|[0-9a-f]{128})$/i.test(signature)) return undefined;
  return { ikey: decoded.slice(0, colon), signature: signature.toLowerCase() };
}

/** Which signature version matched, if any; the comparisons take the same time whatever matches. */
export function matchingVersion(
  request: SignedRequest,
  secret: string,
  signature: string,
  legacy = false,
): SignatureVersion | undefined {
  const given = Buffer.from(signature, 'hex');
  const candidates: Array<[SignatureVersion, 'sha1' | 'sha512']> = legacy
    ? [['v1', given.length === 20 ? 'sha1' : 'sha512']]
    : given.length === 20
      ? [['v2', 'sha1']]
      : [
          ['v2', 'sha512'],
          ['v4', 'sha512'],
          ['v5', 'sha512'],
        ];
  let found: SignatureVersion | undefined;
  for (const host of new Set(request.hosts.map((h) => h.toLowerCase()))) {
    for (const [version, hash] of candidates) {
      const expected = createHmac(hash, secret)
        .update(canonicalRequest(request, host, version), 'utf8')
        .digest();
      if (timingSafeEqual(expected, given) && !found) found = version;
    }
  }
  return found;
}

/** Hosts a request may have been signed for: as addressed (with and without port) and Latch's public host. */
export function signableHosts(hostHeader: string, baseUrl: string): string[] {
  const withoutPort = (host: string) => host.replace(/:\d+$/, '');
  const publicHost = new URL(baseUrl).host;
  return [
    ...new Set([hostHeader, withoutPort(hostHeader), publicHost, withoutPort(publicHost)].filter((h) => h !== '')),
  ];
}
