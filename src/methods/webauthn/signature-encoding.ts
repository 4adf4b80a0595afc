import { cose, decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';

// An ECDSA signature from an authenticator is one DER SEQUENCE of two minimal INTEGERs and nothing
// after it. The WebAuthn library reads it leniently (trailing bytes, padded integers), so one
// signature had many encodings that all verified: malleable. Latch accepts only the strict form
// (found by test/fuzz/webauthn-responses.test.ts).

/** Whether `signature` is acceptable in form for this COSE public key (only EC2 keys are checked). */
export function strictSignatureEncoding(publicKey: Uint8Array<ArrayBuffer>, signature: Uint8Array): boolean {
  if (!cose.isCOSEPublicKeyEC2(decodeCredentialPublicKey(publicKey))) return true;
  return isStrictDerSignature(signature);
}

export function isStrictDerSignature(der: Uint8Array): boolean {
  if (der[0] !== 0x30) return false;
  const sequence = lengthAt(der, 1);
  if (!sequence || sequence.start + sequence.length !== der.length) return false;
  const r = integerAt(der, sequence.start);
  const s = r && integerAt(der, r);
  return s === der.length;
}

/** A DER length (short form, or 0x81 for 128..255) at `at`: where the content starts, and its length. */
function lengthAt(der: Uint8Array, at: number): { start: number; length: number } | undefined {
  const first = der[at];
  if (first === undefined) return undefined;
  if (first < 0x80) return { start: at + 1, length: first };
  const second = der[at + 1];
  return first === 0x81 && second !== undefined && second >= 0x80 ? { start: at + 2, length: second } : undefined;
}

/** The end of a positive, minimally encoded INTEGER at `at`, or undefined. */
function integerAt(der: Uint8Array, at: number): number | undefined {
  if (der[at] !== 0x02) return undefined;
  const field = lengthAt(der, at + 1);
  if (!field || field.length === 0 || field.start + field.length > der.length) return undefined;
  const [lead, next] = [der[field.start]!, der[field.start + 1]];
  if (lead >= 0x80) return undefined;
  if (lead === 0 && (next === undefined || next < 0x80) && field.length > 1) return undefined;
  return field.start + field.length;
}
