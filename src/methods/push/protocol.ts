// The wire protocol between Latch and the Latch Authenticator (PWA and CLI), shared by both sides.
// No Node or DOM imports (otpauth runs in both): the phone web app bundles this file.
//
// Every device request is signed (ECDSA P-256, SHA-256, raw r||s as WebCrypto produces it) over
// requestString(); a decision is signed separately over decisionString(), so the approval itself
// is bound to the request id, the answer, the code typed and user verification.

import { Secret, TOTP } from 'otpauth';

/** The offline passcodes the authenticator shows and Latch accepts: TOTP, SHA-1, 6 digits, 30 s. */
export function totpFor(base32Secret: string): TOTP {
  return new TOTP({ secret: Secret.fromBase32(base32Secret), algorithm: 'SHA1', digits: 6, period: 30 });
}

export const HEADERS = {
  device: 'latch-device',
  timestamp: 'latch-timestamp',
  nonce: 'latch-nonce',
  signature: 'latch-signature',
} as const;

/** The API under the Latch base URL. */
export const API = {
  activate: '/push/api/activate',
  requests: '/push/api/requests',
  decision: (id: string) => `/push/api/requests/${id}/decision`,
  webPush: '/push/api/web-push',
  passcodeSecret: '/push/api/device',
} as const;

export type P256PublicJwk = { kty: 'EC'; crv: 'P-256'; x: string; y: string };

export type ActivationBody = { publicKey: P256PublicJwk; name: string; platform: string };
export type ActivationResult = {
  deviceId: string;
  user: string;
  displayName: string;
  issuer: string;
  /** Base32 TOTP secret for passcodes that work offline (SHA-1, 6 digits, 30 s). */
  totpSecret: string;
};

/** What the authenticator is shown for a pending push. */
export type PendingPush = {
  id: string;
  user: string;
  app: string;
  time: number;
  ip: string;
  browser: string;
  /** The user must type the code the browser shows. */
  codeRequired: boolean;
  codeLength: number;
  /** Passwordless: the device must verify the user (biometric or PIN) before approving. */
  userVerificationRequired: boolean;
  expiresAt: number;
  /** What a logon client says about the sign-in (the Auth API's pushinfo: host, command…), shown as is. */
  details?: Array<{ name: string; value: string }>;
};

export type DecisionAnswer = 'approve' | 'deny' | 'fraud';
export type DecisionBody = { answer: DecisionAnswer; code: string; userVerified: boolean; signature: string };

export function requestString(
  method: string,
  path: string,
  deviceId: string,
  timestamp: string,
  nonce: string,
  bodyHash: string,
): string {
  return ['LATCH-PUSH-REQUEST-V1', method.toUpperCase(), path, deviceId, timestamp, nonce, bodyHash].join('\n');
}

export function decisionString(requestId: string, answer: DecisionAnswer, code: string, userVerified: boolean): string {
  return ['LATCH-PUSH-DECISION-V1', requestId, answer, code, userVerified ? 'uv' : 'no-uv'].join('\n');
}

/** The activation link shown as a QR code: the phone web app's address with the token in the fragment (never sent to a server log). */
export function activationUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/authenticator/#activate=${token}`;
}

/** Parses an activation link back into Latch's base URL and the one-time token. */
export function parseActivationUrl(text: string): { baseUrl: string; token: string } {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new Error('This is not a link. Copy the whole activation link from your account page.');
  }
  const token = /^#activate=([A-Za-z0-9_-]{20,100})$/.exec(url.hash)?.[1];
  const at = url.pathname.lastIndexOf('/authenticator/');
  if (!token || at < 0)
    throw new Error('This is not a Latch activation link. Copy the whole link from your account page.');
  return { baseUrl: url.origin + url.pathname.slice(0, at), token };
}
