import {
  API,
  HEADERS,
  decisionString,
  requestString,
  type ActivationBody,
  type ActivationResult,
  type DecisionAnswer,
  type P256PublicJwk,
  type PendingPush,
} from '../../methods/push/protocol.ts';
import { randomNonce, sha256Base64Url, toBase64Url } from './encoding.ts';

// The Latch Authenticator's side of the protocol, for the CLI (Node) and the phone web app
// (browser) alike: WebCrypto only. The private key never leaves the CryptoKey given here.

export const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** Thrown for an answer Latch refused; `message` is Latch's words for the user. */
export class LatchApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LatchApiError';
  }
}

async function answer<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // not JSON: a proxy's error page
  }
  if (!res.ok)
    throw new LatchApiError(
      res.status,
      String(body.error ?? 'http_error'),
      String(body.error_description ?? `Latch answered ${res.status} ${res.statusText}`),
    );
  return body as T;
}

export async function sign(key: CryptoKey, data: string): Promise<string> {
  return toBase64Url(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, new TextEncoder().encode(data)));
}

export async function publicJwkOf(key: CryptoKey): Promise<P256PublicJwk> {
  const jwk = await crypto.subtle.exportKey('jwk', key);
  return { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! };
}

/** Sends the new device's public key with the one-time token; Latch answers with the account. */
export async function activate(baseUrl: string, token: string, body: ActivationBody): Promise<ActivationResult> {
  const res = await fetch(`${baseUrl}${API.activate}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ token, ...body }),
  });
  return answer<ActivationResult>(res);
}

export type PendingAnswer = { user: string; device: string; pending: PendingPush[] };
export type DecisionAnswerBody = { state: string; message: string };

export class DeviceClient {
  constructor(
    readonly baseUrl: string,
    readonly deviceId: string,
    private readonly key: CryptoKey,
  ) {}

  /** The headers of a signed request (exposed so tests can replay one exactly). */
  async signedHeaders(method: string, path: string, body: string): Promise<Record<string, string>> {
    const timestamp = String(Date.now());
    const nonce = randomNonce();
    const signature = await sign(
      this.key,
      requestString(method, path, this.deviceId, timestamp, nonce, await sha256Base64Url(body)),
    );
    return {
      [HEADERS.device]: this.deviceId,
      [HEADERS.timestamp]: timestamp,
      [HEADERS.nonce]: nonce,
      [HEADERS.signature]: signature,
    };
  }

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers = {
      accept: 'application/json',
      ...(text ? { 'content-type': 'application/json' } : {}),
      ...(await this.signedHeaders(method, path, text)),
    };
    return answer<T>(await fetch(`${this.baseUrl}${path}`, { method, headers, body: text || undefined, signal }));
  }

  /** The pending push, waiting up to `waitSeconds` for one to arrive. */
  pending(waitSeconds = 0, signal?: AbortSignal): Promise<PendingAnswer> {
    return this.call<PendingAnswer>(
      'GET',
      waitSeconds > 0 ? `${API.requests}?wait=${waitSeconds}` : API.requests,
      undefined,
      signal,
    );
  }

  async decide(
    requestId: string,
    answerWith: DecisionAnswer,
    code: string,
    userVerified: boolean,
  ): Promise<DecisionAnswerBody> {
    const signature = await sign(this.key, decisionString(requestId, answerWith, code, userVerified));
    return this.call<DecisionAnswerBody>('POST', API.decision(requestId), {
      answer: answerWith,
      code,
      userVerified,
      signature,
    });
  }

  registerWebPush(subscription: {
    endpoint: string;
    keys: { p256dh: string; auth: string };
  }): Promise<{ ok: boolean }> {
    return this.call('POST', API.webPush, subscription);
  }
}
