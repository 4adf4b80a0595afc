import { createHmac, timingSafeEqual } from 'node:crypto';

// The JWTs of the Universal Prompt, all HS512 under the integration's secret key (Duo Web SDK
// v4): the request of /authorize, the client assertions of /health_check and /token, the ID token
// Latch returns. Only HS512 is accepted ("none" or another algorithm is a refusal, never a
// fallback), and a token is bounded in size before anything is decoded.

const MAX_TOKEN = 8192;
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS512', typ: 'JWT' })).toString('base64url');

export type Claims = Record<string, unknown>;
export type Verified = { ok: true; claims: Claims } | { ok: false; reason: string };

const mac = (input: string, secret: string) => createHmac('sha512', secret).update(input).digest();

export function signHs512(claims: Claims, secret: string): string {
  const input = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${mac(input, secret).toString('base64url')}`;
}

function decodePart(part: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The claims of an HS512 JWT signed with `secret`; the signature is checked before the claims are read. */
export function verifyHs512(token: string, secret: string): Verified {
  if (token.length > MAX_TOKEN) return { ok: false, reason: `token longer than ${MAX_TOKEN} characters` };
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'not a signed JWT (three parts)' };
  const [header, payload, signature] = parts as [string, string, string];
  const head = decodePart(header) as { alg?: unknown } | undefined;
  if (!head || head.alg !== 'HS512')
    return { ok: false, reason: `algorithm ${String(head?.alg)} (only HS512 is accepted)` };
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(`${header}.${payload}`, secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'signature does not match the client secret' };
  const claims = decodePart(payload);
  if (!claims || typeof claims !== 'object' || Array.isArray(claims))
    return { ok: false, reason: 'claims are not a JSON object' };
  return { ok: true, claims: claims as Claims };
}

/** Checks exp (required) and iat (when present) against now, with `leewayS` seconds either way. */
export function timeProblem(claims: Claims, nowS: number, leewayS: number): string | undefined {
  const { exp, iat } = claims;
  if (typeof exp !== 'number') return 'exp is missing';
  if (exp + leewayS < nowS) return `expired ${nowS - exp} s ago`;
  if (iat !== undefined && (typeof iat !== 'number' || iat - leewayS > nowS)) return 'iat is in the future';
  return undefined;
}
