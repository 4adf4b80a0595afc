import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';

// One-time passcodes (RFC 4226 HOTP, RFC 6238 TOTP) behind Latch's own small interface; otpauth
// computes the codes. Secrets are held as base32, the form authenticator apps use.

export const OTP_ALGORITHMS = ['SHA1', 'SHA256', 'SHA512'] as const;

/** What authenticator apps get: the RFC 6238 defaults that every app supports (SHA-1 too). */
export const APP_DIGITS = 6;
export const APP_PERIOD_SECONDS = 30;
export type OtpAlgorithm = (typeof OTP_ALGORITHMS)[number];

export interface OtpKey {
  /** Base32, without padding. */
  secret: string;
  algorithm: OtpAlgorithm;
  digits: number;
}

/** A new random secret: 20 bytes (160 bits, the HMAC-SHA1 block RFC 4226 recommends). */
export function newSecret(): string {
  return secretFromBytes(randomBytes(20));
}

export function secretFromBytes(bytes: Uint8Array): string {
  return new Secret({ buffer: Uint8Array.from(bytes).buffer }).base32;
}

/** The secret's bytes, or undefined when it is not base32. */
export function base32Bytes(text: string): Uint8Array | undefined {
  const clean = text.replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  if (clean === '' || !/^[A-Z2-7]+$/.test(clean)) return undefined;
  return Secret.fromBase32(clean).bytes;
}

/** The code for one counter value (HOTP) or time step (TOTP). */
export function codeAt(key: OtpKey, counter: number): string {
  return HOTP.generate({
    secret: Secret.fromBase32(key.secret),
    algorithm: key.algorithm,
    digits: key.digits,
    counter,
  });
}

/** The TOTP time step that `nowMs` falls in. */
export function timeStep(nowMs: number, periodSeconds: number): number {
  return TOTP.counter({ period: periodSeconds, timestamp: nowMs });
}

/**
 * The counter in [from, to] whose code is `code`, or undefined. Every candidate is computed and
 * compared in constant time, so how long it takes does not tell where (or whether) it matched.
 */
export function findCounter(key: OtpKey, code: string, from: number, to: number): number | undefined {
  if (code.length !== key.digits || to < from) return undefined;
  const secret = Secret.fromBase32(key.secret);
  // One key object for every candidate: importing the key is most of an HMAC's cost.
  const keyObject = createSecretKey(secret.bytes);
  const hmac = (algorithm: string, _key: Uint8Array, message: Uint8Array) =>
    createHmac(algorithm, keyObject).update(message).digest();
  const given = Buffer.from(code);
  let found: number | undefined;
  for (let counter = Math.max(0, from); counter <= to; counter++) {
    const expected = Buffer.from(
      HOTP.generate({ secret, algorithm: key.algorithm, digits: key.digits, counter, hmac }),
    );
    if (timingSafeEqual(expected, given) && found === undefined) found = counter;
  }
  return found;
}

/** The otpauth:// URI an authenticator app reads from the enrollment QR code. */
export function otpauthUri(options: {
  issuer: string;
  account: string;
  secret: string;
  digits: number;
  periodSeconds: number;
}): string {
  return new TOTP({
    issuer: options.issuer,
    label: options.account,
    secret: Secret.fromBase32(options.secret),
    algorithm: 'SHA1',
    digits: options.digits,
    period: options.periodSeconds,
  }).toString();
}

/** "JBSW Y3DP EHPK 3PXP": easier to type from the screen. */
export function groupSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}
