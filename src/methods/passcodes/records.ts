import type { Store } from '../../store/contract.ts';
import { records } from '../../store/records.ts';
import type { OtpAlgorithm } from './otp.ts';

// How passcode credentials are kept in the store: one record per credential (so counters are
// updated with compare-and-set, without touching the user's other credentials), an index of each
// user's credentials, and an index of every imported hardware token.

export type PasscodeCredential = {
  /** Random for an authenticator app; "token:<serial>" for a hardware token. */
  id: string;
  /** Unset for a hardware token that is not assigned to anyone yet. */
  userId?: string;
  source: 'app' | 'token';
  /** Hardware tokens: the serial number printed on the token. */
  serial?: string;
  type: 'totp' | 'hotp';
  /** Base32, sealed with the SecretBox (AES-256-GCM, bound to `id`). */
  secret: string;
  algorithm: OtpAlgorithm;
  digits: number;
  /** TOTP time step, in seconds. */
  period: number;
  /**
   * HOTP: the next counter value Latch expects. TOTP: the last time step whose code was accepted;
   * codes of that step and earlier are refused, so each code works once.
   */
  counter: number;
  createdAt: number;
  lastUsedAt?: number;
};

/** The credentials (src/store/records.ts), for this method's modules. */
export const credentialRecords = records.passcode.holding<PasscodeCredential>();
/** The ids of each user's credentials. */
export const credentialsOfUser = records.passcodesOfUser;
/** The ids of every imported hardware token. */
export const tokenStock = records.oathTokens;

export const tokenId = (serial: string) => `token:${serial}`;

/** The id under which the factor summary (authn/factor-summary.ts) counts passcodes. */
export const PASSCODES_METHOD = 'passcodes';

/** For the factor summary: whether the user has any authenticator app or token. */
export async function hasPasscodes(store: Store, userId: string): Promise<boolean> {
  for (const id of await credentialsOfUser.list(store, userId))
    if ((await credentialRecords.get(store, id))?.userId === userId) return true;
  return false;
}

/** How a credential is named to the user and in the authentication log. */
export function describe(credential: PasscodeCredential): string {
  return credential.source === 'token'
    ? `${credential.type.toUpperCase()} token ${credential.serial}`
    : 'authenticator app';
}

/** A hardware token back in stock: no user. */
export function unassigned(credential: PasscodeCredential): PasscodeCredential {
  const { userId: _owner, ...rest } = credential;
  return rest;
}

/**
 * Changes a credential with compare-and-set, so that a change by an admin never undoes a counter
 * that a sign-in moved at the same moment. `change` returns undefined to leave it as it is.
 */
export async function updateCredential(
  store: Store,
  id: string,
  change: (credential: PasscodeCredential) => PasscodeCredential | undefined,
): Promise<{ before: PasscodeCredential; after?: PasscodeCredential } | undefined> {
  for (;;) {
    const loaded = await credentialRecords.getVersioned(store, id);
    if (!loaded) return undefined;
    const after = change(loaded.value);
    if (!after) return { before: loaded.value };
    if (await credentialRecords.compareAndSet(store, id, loaded.version, after)) return { before: loaded.value, after };
  }
}
