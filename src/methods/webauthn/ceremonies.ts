import type { WebAuthnConfig } from '../../config/webauthn.ts';
import type { DirectoryUser } from '../../directory/contract.ts';
import type { ChallengeBinding, WebAuthnChallenges } from './challenges.ts';
import {
  cleanName,
  withBrowser,
  type AuthenticatorKind,
  type StoredCredential,
  type WebAuthnCredentials,
} from './credentials.ts';
import { deviceName } from './device-name.ts';
import type { CeremonyOptions, RelyingParty } from './relying-party.ts';
import { authenticationResponse, challengeOf, parseResponse, registrationResponse } from './responses.ts';

// The two WebAuthn ceremonies as Latch runs them, for the sign-in steps and the account page:
// options bound to a fresh single-use challenge, and verification that decides whose credential
// it is, whether its kind is allowed, and what a sign counter that went backwards means.

/** A refusal: `message` is for the user, `reason` for the authentication log. */
export type Refusal = { ok: false; message: string; reason: string };

export type RegistrationMode = {
  residentKey: 'required' | 'preferred' | 'discouraged';
  userVerification: 'required' | 'preferred';
  /** Kinds the policy allows; a credential of another kind is not stored. */
  allowedKinds: AuthenticatorKind[];
  /** Registering a passkey: it must be discoverable and user-verifying. */
  passkey: boolean;
};

export type AssertionExpectation = {
  /** The account the credential must belong to; absent for a discoverable sign-in. */
  userId?: string;
  requireUserVerification: boolean;
  /** Only passkeys (a passwordless sign-in): the user handle must be present and match. */
  passwordless: boolean;
  /** Kinds the caller accepts. */
  allowedKinds: AuthenticatorKind[];
  /** The browser's known-device id: recorded on the credential as a browser it works in. */
  deviceId?: string;
};

const NOT_ACCEPTED = 'That did not work. Try again, or choose another way to sign in.';

export class WebAuthnCeremonies {
  constructor(
    readonly credentials: WebAuthnCredentials,
    private readonly challenges: WebAuthnChallenges,
    private readonly rp: RelyingParty,
    private readonly config: WebAuthnConfig,
  ) {}

  async registrationOptions(
    binding: ChallengeBinding & { userId: string },
    user: DirectoryUser,
    mode: RegistrationMode,
  ): Promise<CeremonyOptions> {
    const existing = await this.credentials.list(user.id);
    return this.rp.registrationOptions({
      challenge: await this.challenges.issue(binding),
      user: {
        handle: await this.credentials.userHandle(user.id),
        name: user.username,
        displayName: user.displayName ?? user.username,
      },
      // A passkey may be added next to a plain second-factor credential on the same authenticator.
      exclude: mode.passkey ? existing.filter((c) => c.passwordless) : existing,
      residentKey: mode.residentKey,
      userVerification: mode.userVerification,
      kind: mode.allowedKinds.length === 1 ? mode.allowedKinds[0] : undefined,
    });
  }

  /** Verifies a registration and stores the credential under `name` (or a default from the browser). */
  async register(
    binding: ChallengeBinding & { userId: string },
    posted: string | undefined,
    mode: RegistrationMode,
    // `username` is no longer used (passkeys are not looked up by username); callers may drop it.
    naming: { name?: string; userAgent: string; username?: string; deviceId?: string },
  ): Promise<{ ok: true; credential: StoredCredential } | Refusal> {
    const response = parseResponse(registrationResponse, posted);
    if (!response) return { ok: false, message: NOT_ACCEPTED, reason: 'malformed registration response' };
    const challenge = challengeOf(response.response.clientDataJSON);
    if (!challenge || !(await this.challenges.take(challenge, binding))) {
      return {
        ok: false,
        message: 'This page has expired. Try again.',
        reason: 'registration challenge unknown, expired, already used or issued for something else',
      };
    }
    const verified = await this.rp.verifyRegistration(
      response,
      challenge,
      mode.userVerification === 'required',
      mode.residentKey === 'required',
    );
    if (!verified.ok) return { ok: false, message: NOT_ACCEPTED, reason: `registration refused: ${verified.reason}` };
    const { credential } = verified;
    if (!mode.allowedKinds.includes(credential.kind)) {
      const wanted = mode.allowedKinds.map((k) => (k === 'platform' ? 'this device' : 'a security key')).join(' or ');
      return {
        ok: false,
        message: `This kind of authenticator is not allowed here. Use ${wanted}.`,
        reason: `${credential.kind} authenticator refused by policy (allowed: ${mode.allowedKinds.join(', ')})`,
      };
    }
    if (mode.passkey && !credential.discoverable) {
      return {
        ok: false,
        message: 'This authenticator cannot keep a passkey. Use another one.',
        reason: 'passkey registration without a discoverable credential',
      };
    }
    const stored: StoredCredential = {
      id: credential.id,
      userId: binding.userId,
      publicKey: credential.publicKey,
      counter: credential.counter,
      transports: credential.transports,
      kind: credential.kind,
      name: cleanName(naming.name ?? '', deviceName(naming.userAgent, credential.kind)),
      passwordless: credential.discoverable && credential.userVerified,
      createdAt: Date.now(),
      browsers: withBrowser(undefined, naming.deviceId),
    };
    if (!(await this.credentials.add(stored))) {
      return {
        ok: false,
        message: 'This authenticator is already registered.',
        reason: 'credential id already registered',
      };
    }
    return { ok: true, credential: stored };
  }

  async authenticationOptions(
    binding: ChallengeBinding,
    allow: StoredCredential[],
    userVerification: 'required' | 'preferred',
  ): Promise<CeremonyOptions> {
    return this.rp.authenticationOptions(await this.challenges.issue(binding), allow, userVerification);
  }

  /**
   * Verifies an assertion for `binding`. The credential must exist, be the expected user's, be
   * of an accepted kind, and (passwordless) be a passkey whose user handle names its owner; the
   * signature, challenge, origin, RP id and user verification are checked by the relying party.
   */
  async verifyAssertion(
    binding: ChallengeBinding,
    posted: string | undefined,
    expect: AssertionExpectation,
  ): Promise<{ ok: true; credential: StoredCredential; warning?: string } | Refusal> {
    const response = parseResponse(authenticationResponse, posted);
    if (!response || response.id !== response.rawId)
      return { ok: false, message: NOT_ACCEPTED, reason: 'malformed authentication response' };
    const challenge = challengeOf(response.response.clientDataJSON);
    if (!challenge || !(await this.challenges.take(challenge, binding))) {
      return {
        ok: false,
        message: 'This page has expired. Try again.',
        reason: 'challenge unknown, expired, already used or issued for something else',
      };
    }
    const credential = await this.credentials.get(response.id);
    if (!credential)
      return {
        ok: false,
        message: 'This passkey or security key is not registered with your account.',
        reason: 'unknown credential id',
      };
    if (expect.userId !== undefined && credential.userId !== expect.userId) {
      return {
        ok: false,
        message: 'This passkey or security key is not registered with your account.',
        reason: `credential belongs to another user (${credential.userId})`,
      };
    }
    if (!expect.allowedKinds.includes(credential.kind)) {
      return {
        ok: false,
        message: 'This kind of authenticator is not allowed here.',
        reason: `${credential.kind} credential not allowed (allowed: ${expect.allowedKinds.join(', ')})`,
      };
    }
    if (expect.passwordless) {
      if (!credential.passwordless) return { ok: false, message: NOT_ACCEPTED, reason: 'credential is not a passkey' };
      const handle = response.response.userHandle;
      const owner = handle ? await this.credentials.userOfHandle(handle) : undefined;
      if (!handle || owner !== credential.userId) {
        return {
          ok: false,
          message: NOT_ACCEPTED,
          reason: handle
            ? 'user handle does not match the credential owner'
            : 'no user handle in a passwordless assertion',
        };
      }
    }
    const verified = await this.rp.verifyAuthentication(
      response,
      challenge,
      credential,
      expect.requireUserVerification,
    );
    if (!verified.ok) return { ok: false, message: NOT_ACCEPTED, reason: `assertion refused: ${verified.reason}` };
    let warning: string | undefined;
    if ((verified.counter > 0 || credential.counter > 0) && verified.counter <= credential.counter) {
      warning = `sign counter did not increase (stored ${credential.counter}, signed ${verified.counter}): the authenticator may have been cloned`;
      if (this.config.signCounterRegression === 'refuse') {
        return {
          ok: false,
          message: 'This authenticator cannot be used: it may have been copied. Contact your IT help desk.',
          reason: `${warning}; refused (webauthn.signCounterRegression: refuse)`,
        };
      }
    }
    await this.credentials.recordUse(credential.id, verified.counter, expect.deviceId);
    return { ok: true, credential, warning };
  }
}
