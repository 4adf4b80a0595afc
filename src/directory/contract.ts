// Where users and their passwords live. The local YAML file (./local-file.ts) is the embedded
// default; src/ldap/ implements the same contract for Active Directory and other LDAP servers.

export interface DirectoryUser {
  /** Stable and unique: never reused for another person (AD: objectGUID). */
  id: string;
  /** What the user types to sign in. */
  username: string;
  email?: string;
  displayName?: string;
  /** userPrincipalName in AD. */
  upn?: string;
  /** Group names, nested membership already resolved. */
  groups: string[];
  /** Further directory attributes for SAML/OIDC mapping. */
  attributes: Record<string, string | string[]>;
  /** The directory knows the account may not sign in (a method without a password checks this). */
  disabled?: boolean;
}

/** Why a password check failed. The sign-in page maps these to what the user may be told. */
export type PasswordFailure =
  | 'empty-password'
  | 'invalid-credentials'
  | 'user-not-found'
  | 'account-disabled'
  | 'account-locked'
  | 'account-expired'
  | 'password-expired'
  | 'must-change-password'
  | 'not-permitted-at-this-time'
  | 'not-permitted-from-this-workstation'
  | 'directory-unavailable';

export type PasswordCheck =
  | { ok: true; user: DirectoryUser }
  | { ok: false; reason: PasswordFailure; /** For the log only, never shown. */ detail?: string };

export interface Directory {
  /** "local" or "ldap": for logs and /readyz. */
  readonly kind: string;
  /** Looks a user up by what they type to sign in; undefined when there is no such user. */
  findUser(login: string): Promise<DirectoryUser | undefined>;
  /** Looks a user up by DirectoryUser.id. */
  findUserById(id: string): Promise<DirectoryUser | undefined>;
  /** Checks a password. Must refuse an empty password without asking the server. */
  verifyPassword(login: string, password: string): Promise<PasswordCheck>;
  /** Throws when the directory does not answer; used by /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
