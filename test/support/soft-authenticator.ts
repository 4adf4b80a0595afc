import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

// A software WebAuthn authenticator for tests, with node:crypto: real ES256 keys, "none"
// attestation and signed assertions, as a browser would post them. Every field a relying party
// checks can be overridden, so tests can attack each check (origin, RP id, user verification,
// user handle, counter, another credential).

export interface SoftOptions {
  origin: string;
  kind: 'platform' | 'roaming';
  /** Performs user verification (PIN, biometrics). */
  userVerification: boolean;
  /** Keeps discoverable credentials (passkeys). */
  residentKeys: boolean;
}

export interface SoftCredential {
  id: string;
  rpId: string;
  privateKey: KeyObject;
  /** base64url user handle given at registration. */
  userHandle: string;
  counter: number;
}

type Json = Record<string, unknown>;

export interface Overrides {
  origin?: string;
  rpId?: string;
  userVerified?: boolean;
  /** base64url user handle to report; null: none. */
  userHandle?: string | null;
  /** Counter to sign (the authenticator then continues from it). */
  counter?: number;
  credentialId?: string;
  attachment?: 'platform' | 'cross-platform' | null;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(readonly options: SoftOptions) {}

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  private flags(uv: boolean, attested: boolean): number {
    return 0x01 | (uv ? 0x04 : 0) | (attested ? 0x40 : 0);
  }

  /** navigator.credentials.create() with these options (as the page carries them). */
  register(options: Json, overrides: Overrides = {}): Json {
    const rpId = overrides.rpId ?? String((options.rp as Json).id);
    const selection = (options.authenticatorSelection ?? {}) as Json;
    const resident = this.options.residentKeys && selection.residentKey !== 'discouraged';
    const uv =
      overrides.userVerified ?? (this.options.userVerification && selection.userVerification !== 'discouraged');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
    const id = randomBytes(32);
    const userHandle = String((options.user as Json).id);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([this.flags(uv, true)]),
      u32(0),
      Buffer.alloc(16),
      Buffer.from([0, id.length]),
      id,
      Buffer.from(cose),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]) as never,
    );
    this.credentials.push({ id: b64(id), rpId, privateKey, userHandle, counter: 0 });
    const attachment =
      overrides.attachment === undefined
        ? this.options.kind === 'platform'
          ? 'platform'
          : 'cross-platform'
        : overrides.attachment;
    return {
      id: b64(id),
      rawId: b64(id),
      type: 'public-key',
      response: {
        clientDataJSON: b64(
          this.clientData('webauthn.create', String(options.challenge), overrides.origin ?? this.options.origin),
        ),
        attestationObject: b64(attestationObject),
        transports: [this.options.kind === 'platform' ? 'internal' : 'usb'],
      },
      ...(attachment ? { authenticatorAttachment: attachment } : {}),
      clientExtensionResults: { credProps: { rk: resident } },
    };
  }

  /** navigator.credentials.get() with these options: the first allowed credential (or any for this RP). */
  assert(options: Json, overrides: Overrides = {}): Json {
    const allowed = ((options.allowCredentials ?? []) as Json[]).map((c) => String(c.id));
    const credential =
      this.credentials.find((c) => c.id === overrides.credentialId) ??
      this.credentials.find((c) => c.rpId === options.rpId && (allowed.length === 0 || allowed.includes(c.id)));
    if (!credential) throw new Error('NotAllowedError: no credential for this request');
    const rpId = overrides.rpId ?? String(options.rpId);
    const uv = overrides.userVerified ?? (this.options.userVerification && options.userVerification !== 'discouraged');
    credential.counter = overrides.counter ?? credential.counter + 1;
    const authData = Buffer.concat([sha256(rpId), Buffer.from([this.flags(uv, false)]), u32(credential.counter)]);
    const clientDataJSON = this.clientData(
      'webauthn.get',
      String(options.challenge),
      overrides.origin ?? this.options.origin,
    );
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    const userHandle = overrides.userHandle === undefined ? credential.userHandle : overrides.userHandle;
    return {
      id: overrides.credentialId ?? credential.id,
      rawId: overrides.credentialId ?? credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64(clientDataJSON),
        authenticatorData: b64(authData),
        signature: b64(signature),
        ...(userHandle ? { userHandle } : {}),
      },
      authenticatorAttachment: this.options.kind === 'platform' ? 'platform' : 'cross-platform',
      clientExtensionResults: {},
    };
  }
}

/** The ceremony options a Latch page carries in data-options. */
export function pageOptions(html: string): Json {
  const match = /data-options="([^"]*)"/.exec(html);
  if (!match) throw new Error(`no WebAuthn options on the page:\n${html}`);
  const text = match[1]!
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  return JSON.parse(text) as Json;
}
