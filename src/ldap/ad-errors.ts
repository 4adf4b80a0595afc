import type { PasswordFailure } from '../directory/contract.ts';

// What a failed bind means. Active Directory (and Samba) answer resultCode 49 with a diagnostic
// such as "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 775,
// v4563"; only the "data" sub-code is stable across Windows versions and Samba.

const AD_SUBCODES: Record<string, PasswordFailure> = {
  '525': 'user-not-found',
  '52e': 'invalid-credentials',
  '530': 'not-permitted-at-this-time',
  '531': 'not-permitted-from-this-workstation',
  '532': 'password-expired',
  '533': 'account-disabled',
  '701': 'account-expired',
  '773': 'must-change-password',
  '775': 'account-locked',
};

/** The AD sub-code in a bind error message ("52e"), lower-cased, or undefined. */
export function adSubcode(message: string): string | undefined {
  return /\bdata ([0-9a-f]{3,4})\b/i.exec(message)?.[1]?.toLowerCase();
}

/** Maps an invalid-credentials (49) bind error to the reason the sign-in page shows. */
export function bindFailureReason(message: string): PasswordFailure {
  const code = adSubcode(message);
  return (code && AD_SUBCODES[code]) || 'invalid-credentials';
}
