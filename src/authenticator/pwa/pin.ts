import { toBase64Url } from '../core/encoding.ts';

// User verification in the phone web app: a PIN chosen at activation, kept only as a PBKDF2 hash.
// A passwordless push is approved only after the PIN is typed (the device then asserts userVerified).

async function derive(pin: string, salt: Uint8Array): Promise<string> {
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations: 200_000 },
    material,
    256,
  );
  return toBase64Url(bits);
}

export async function hashPin(pin: string): Promise<{ salt: string; hash: string }> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return { salt: toBase64Url(salt), hash: await derive(pin, salt) };
}

export async function checkPin(pin: string, stored: { salt: string; hash: string }): Promise<boolean> {
  const salt = Uint8Array.from(atob(stored.salt.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  return (await derive(pin, salt)) === stored.hash;
}
