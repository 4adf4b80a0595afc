import { findCounter, otpauthUri, timeStep } from './otp.ts';

// Adding an authenticator app, wherever it happens (inline at sign-in, or on the account page):
// the otpauth:// URI its QR code carries, and the check of the first code the app shows.
// Apps get the RFC 6238 defaults that every app supports: SHA-1, 6 digits, 30 seconds.

export const APP_DIGITS = 6;
export const APP_PERIOD_SECONDS = 30;

export function appEnrollmentUri(issuer: string, username: string, secret: string): string {
  return otpauthUri({ issuer, account: username, secret, digits: APP_DIGITS, periodSeconds: APP_PERIOD_SECONDS });
}

/** The time step of `code` when the app computes it from `secret` (within `skew` steps of now). */
export function confirmAppCode(secret: string, code: string, skew: number, now = Date.now()): number | undefined {
  const step = timeStep(now, APP_PERIOD_SECONDS);
  return findCounter({ secret, algorithm: 'SHA1', digits: APP_DIGITS }, code, step - skew, step + skew);
}
