import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { WebAuthnConfig } from '../../config/webauthn.ts';
import type { AuthenticatorKind, StoredCredential } from './credentials.ts';
import type { AuthenticationResponse, RegistrationResponse } from './responses.ts';
import { strictSignatureEncoding } from './signature-encoding.ts';

// Latch's relying party: the only module that talks to @simplewebauthn/server. It builds ceremony
// options and verifies responses against the configured RP id and origins; what to accept (which
// user, which kind, counters) is decided by its callers.

/** Options handed to the browser script as JSON. */
export type CeremonyOptions = PublicKeyCredentialCreationOptionsJSON | PublicKeyCredentialRequestOptionsJSON;

export interface RegistrationRequest {
  challenge: string;
  user: { handle: string; name: string; displayName: string };
  exclude: StoredCredential[];
  residentKey: 'required' | 'preferred' | 'discouraged';
  userVerification: 'required' | 'preferred';
  /** Ask for one kind of authenticator; absent, either. */
  kind?: AuthenticatorKind;
}

export interface NewCredential {
  id: string;
  publicKey: string;
  counter: number;
  transports: string[];
  kind: AuthenticatorKind;
  /** The browser reported a discoverable credential (credProps), or one was required. */
  discoverable: boolean;
  userVerified: boolean;
}

export type Verified<T> = ({ ok: true } & T) | { ok: false; reason: string };

/** Platform (built in) or roaming (security key, phone), from what the browser reports. */
export function kindOf(attachment: string | undefined, transports: string[]): AuthenticatorKind {
  if (attachment === 'platform') return 'platform';
  if (attachment === 'cross-platform') return 'roaming';
  return transports.length > 0 && transports.every((t) => t === 'internal') ? 'platform' : 'roaming';
}

export class RelyingParty {
  readonly rpId: string;
  readonly origins: string[];

  constructor(
    private readonly config: WebAuthnConfig,
    baseUrl: string,
  ) {
    this.rpId = config.rpId ?? new URL(baseUrl).hostname;
    this.origins = (config.origins ?? [baseUrl]).map((o) => new URL(o).origin);
  }

  async registrationOptions(request: RegistrationRequest): Promise<CeremonyOptions> {
    return generateRegistrationOptions({
      rpName: this.config.rpName,
      rpID: this.rpId,
      userID: Buffer.from(request.user.handle, 'base64url'),
      userName: request.user.name,
      userDisplayName: request.user.displayName,
      // As bytes: a string would be taken as text and encoded once more.
      challenge: Buffer.from(request.challenge, 'base64url'),
      timeout: this.config.timeout,
      attestationType: 'none',
      excludeCredentials: request.exclude.map((c) => ({ id: c.id, transports: c.transports })),
      authenticatorSelection: {
        residentKey: request.residentKey,
        requireResidentKey: request.residentKey === 'required',
        userVerification: request.userVerification,
        ...(request.kind
          ? { authenticatorAttachment: request.kind === 'platform' ? 'platform' : 'cross-platform' }
          : {}),
      },
      extensions: { credProps: true },
      preferredAuthenticatorType:
        request.kind === 'platform' ? 'localDevice' : request.kind === 'roaming' ? 'securityKey' : undefined,
    });
  }

  async verifyRegistration(
    response: RegistrationResponse,
    challenge: string,
    requireUserVerification: boolean,
    residentKeyRequired: boolean,
  ): Promise<Verified<{ credential: NewCredential }>> {
    try {
      const result = await verifyRegistrationResponse({
        response: response as Parameters<typeof verifyRegistrationResponse>[0]['response'],
        expectedChallenge: challenge,
        expectedOrigin: this.origins,
        expectedRPID: this.rpId,
        requireUserVerification,
      });
      if (!result.verified) return { ok: false, reason: 'registration not verified' };
      const { credential, userVerified } = result.registrationInfo;
      const transports = response.response.transports ?? [];
      const rk = response.clientExtensionResults.credProps?.rk;
      return {
        ok: true,
        credential: {
          id: credential.id,
          publicKey: Buffer.from(credential.publicKey).toString('base64url'),
          counter: credential.counter,
          transports,
          kind: kindOf(response.authenticatorAttachment, transports),
          discoverable: rk === true || (residentKeyRequired && rk !== false),
          userVerified,
        },
      };
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
  }

  async authenticationOptions(
    challenge: string,
    allow: StoredCredential[],
    userVerification: 'required' | 'preferred',
  ): Promise<CeremonyOptions> {
    return generateAuthenticationOptions({
      rpID: this.rpId,
      challenge: Buffer.from(challenge, 'base64url'),
      timeout: this.config.timeout,
      userVerification,
      allowCredentials: allow.map((c) => ({ id: c.id, transports: c.transports })),
    });
  }

  /**
   * Checks signature, challenge, origin, RP id and flags. The library is given counter 0 so that
   * counter policy stays with the caller (log or refuse, per config); `counter` is what it signed.
   */
  async verifyAuthentication(
    response: AuthenticationResponse,
    challenge: string,
    credential: StoredCredential,
    requireUserVerification: boolean,
  ): Promise<Verified<{ counter: number; userVerified: boolean }>> {
    try {
      const signature = Buffer.from(response.response.signature, 'base64url');
      if (!strictSignatureEncoding(Buffer.from(credential.publicKey, 'base64url'), signature))
        return { ok: false, reason: 'signature not in strict DER form' };
      const result = await verifyAuthenticationResponse({
        response: response as Parameters<typeof verifyAuthenticationResponse>[0]['response'],
        expectedChallenge: challenge,
        expectedOrigin: this.origins,
        expectedRPID: this.rpId,
        credential: {
          id: credential.id,
          publicKey: Buffer.from(credential.publicKey, 'base64url'),
          counter: 0,
          transports: credential.transports,
        },
        requireUserVerification,
      });
      if (!result.verified) return { ok: false, reason: 'signature did not verify' };
      return {
        ok: true,
        counter: result.authenticationInfo.newCounter,
        userVerified: result.authenticationInfo.userVerified,
      };
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
  }
}
