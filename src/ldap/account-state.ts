import type { LdapConfig } from '../config/ldap.ts';
import type { Entry } from './connection.ts';
import { firstString } from './entry.ts';

// Whether an account may sign in without a password bind (passkey, push): the bind is what makes
// AD refuse disabled, locked and expired accounts, so sign-ins that never bind read the same state
// from the entry. Password and logon-hour rules that only a bind checks stay with the bind.

/** Attributes to read for the state, per flavor. */
export const STATE_ATTRIBUTES: Record<LdapConfig['flavor'], string[]> = {
  // msDS-User-Account-Control-Computed is constructed by the DC: it has the lockout bit only while
  // the lockout lasts, unlike lockoutTime which stays set until the next sign-in.
  ad: ['userAccountControl', 'msDS-User-Account-Control-Computed', 'accountExpires'],
  // OpenLDAP's ppolicy overlay sets pwdAccountLockedTime on a locked account (operational: asked for by name).
  ldap: ['pwdAccountLockedTime'],
};

const ACCOUNTDISABLE = 0x2;
const UF_LOCKOUT = 0x10;
/** accountExpires counts 100 ns steps from 1601-01-01; 0 and 2^63-1 mean never. */
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;
const NEVER = 0x7fffffffffffffffn;

export type AccountState = 'usable' | 'disabled' | 'locked' | 'expired';

export function accountState(entry: Entry, flavor: LdapConfig['flavor'], now = Date.now()): AccountState {
  if (flavor === 'ldap') return firstString(entry, 'pwdAccountLockedTime') ? 'locked' : 'usable';
  const flags = Number(firstString(entry, 'userAccountControl') ?? 0);
  if (flags & ACCOUNTDISABLE) return 'disabled';
  if (Number(firstString(entry, 'msDS-User-Account-Control-Computed') ?? 0) & UF_LOCKOUT) return 'locked';
  const expires = BigInt(firstString(entry, 'accountExpires') ?? '0');
  if (expires !== 0n && expires !== NEVER && expires / 10_000n - FILETIME_EPOCH_OFFSET_MS <= BigInt(now))
    return 'expired';
  return 'usable';
}
