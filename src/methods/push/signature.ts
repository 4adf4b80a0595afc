import { createHash, verify } from 'node:crypto';
import type { Store } from '../../store/contract.ts';
import { records } from '../../store/records.ts';
import { importPublicKey, type PushDevice, type PushDevices } from './devices.ts';
import { decisionString, requestString, type DecisionAnswer } from './protocol.ts';

// Checks what the authenticator signs: each API request (method, path, device, time, nonce, body
// hash; the nonce is single use within the clock-skew window) and each decision.

const usedNonces = records.pushNonce.holding<true>();

export type SignedHeaders = { device?: string; timestamp?: string; nonce?: string; signature?: string };

export type DeviceAuthResult = { ok: true; device: PushDevice } | { ok: false; reason: string };

export function bodyHash(body: string): string {
  return createHash('sha256').update(body).digest('base64url');
}

export function verifySignature(device: PushDevice, data: string, signature: string): boolean {
  if (!/^[A-Za-z0-9_-]{80,100}$/.test(signature)) return false;
  try {
    return verify(
      'sha256',
      Buffer.from(data),
      { key: importPublicKey(device.publicKey), dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
  } catch {
    return false;
  }
}

export function verifyDecision(
  device: PushDevice,
  requestId: string,
  answer: DecisionAnswer,
  code: string,
  userVerified: boolean,
  signature: string,
): boolean {
  return verifySignature(device, decisionString(requestId, answer, code, userVerified), signature);
}

export class DeviceAuthenticator {
  constructor(
    private readonly store: Store,
    private readonly devices: PushDevices,
    private readonly clockSkewMs: number,
  ) {}

  async check(method: string, path: string, headers: SignedHeaders, body: string): Promise<DeviceAuthResult> {
    const { device: deviceId, timestamp, nonce, signature } = headers;
    if (!deviceId || !timestamp || !nonce || !signature)
      return { ok: false, reason: 'the request is not signed by a device' };
    const device = await this.devices.get(deviceId);
    if (!device) return { ok: false, reason: 'unknown device (removed, or replaced by a newer activation)' };
    const time = Number(timestamp);
    if (!Number.isInteger(time) || Math.abs(Date.now() - time) > this.clockSkewMs)
      return { ok: false, reason: 'the request time is outside the allowed clock skew' };
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) return { ok: false, reason: 'malformed nonce' };
    if (!verifySignature(device, requestString(method, path, deviceId, timestamp, nonce, bodyHash(body)), signature)) {
      return { ok: false, reason: 'bad request signature' };
    }
    // After the signature, so nobody can burn another device's nonces.
    const fresh = await usedNonces.createIfAbsent(this.store, { deviceId, nonce }, true, {
      ttlMs: 2 * this.clockSkewMs,
    });
    if (!fresh) return { ok: false, reason: 'replayed request (nonce already used)' };
    return { ok: true, device };
  }
}
