import assert from 'node:assert/strict';
import path from 'node:path';
import * as client from 'openid-client';
import type { Page } from 'playwright-core';
import { AUTH_LOG_STREAM } from '../../src/authn/auth-log.ts';
import type { Json } from '../../src/store/contract.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';

// A relying party's side of the code flow, with openid-client: build the request, and turn the
// URL the browser landed on into tokens.

export const SECRET = 'web-client-secret-that-is-long-enough-0123456789';

export interface Pending {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function rpConfig(
  issuer: string,
  clientId: string,
  auth: client.ClientAuth,
  metadata: Partial<client.ClientMetadata> = {},
): Promise<client.Configuration> {
  return client.discovery(new URL(issuer), clientId, metadata, auth, { execute: [client.allowInsecureRequests] });
}

export async function authorizationRequest(
  config: client.Configuration,
  params: Record<string, string>,
): Promise<Pending> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    scope: 'openid profile email groups',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url, verifier, state, nonce };
}

export async function exchange(config: client.Configuration, pending: Pending, landedOn: string) {
  return client.authorizationCodeGrant(config, new URL(landedOn), {
    pkceCodeVerifier: pending.verifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
  });
}

/** Waits until the browser is back at the relying party, and returns that URL. */
export async function landedAt(page: Page, origin: string): Promise<string> {
  await page.waitForURL((url) => url.origin === origin, { timeout: 15_000 });
  return page.url();
}

export function decodeJwtHeader(jwt: string): { alg: string; kid: string } {
  return JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { alg: string; kid: string };
}

export { client };

/** For assert.rejects: an OAuth error with this `error` code, in the body or in WWW-Authenticate. */
export function oauthError(code: string) {
  return (err: unknown) => {
    const e = err as { error?: string; cause?: unknown };
    const challenge = Array.isArray(e.cause)
      ? (e.cause[0] as { parameters?: { error?: string } } | undefined)?.parameters?.error
      : undefined;
    assert.equal(e.error ?? challenge, code, String(err));
    return true;
  };
}

export type AuthLogEntry = { [key: string]: Json };

/** The authentication log of a running Latch, read from its SQLite file (as an operator's tool would). */
export async function readAuthLog(dataDir: string): Promise<AuthLogEntry[]> {
  const store = await openSqliteStore({ file: path.join(dataDir, 'latch.sqlite') });
  try {
    return (await store.range<AuthLogEntry>(AUTH_LOG_STREAM, { limit: 1000 })).map((e) => e.data);
  } finally {
    await store.close();
  }
}

export { signInAtPrompt } from '../support/chromium.ts';
