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
  | 'directory-unavailable'
  /** The caller's beforeCheck said stop: no password was tried. */
  | 'not-checked';

export type PasswordCheck =
  | { ok: true; user: DirectoryUser }
  | { ok: false; reason: PasswordFailure; /** For the log only, never shown. */ detail?: string };

/**
 * Called by verifyPassword once it knows which account the login names, before any password is
 * tried: with that user, or undefined when the login names nobody who may sign in. The caller
 * counts the attempt against the account here (src/authn/throttle.ts) without a lookup of its
 * own; 'stop' ends the check with 'not-checked'.
 */
export type BeforePasswordCheck = (user: DirectoryUser | undefined) => Promise<'check' | 'stop'>;

export interface Directory {
  /** "local" or "ldap": for logs and /readyz. */
  readonly kind: string;
  /** Looks a user up by what they type to sign in; undefined when there is no such user. */
  findUser(login: string): Promise<DirectoryUser | undefined>;
  /** Looks a user up by DirectoryUser.id. */
  findUserById(id: string): Promise<DirectoryUser | undefined>;
  /**
   * Checks a password. Must refuse an empty password without asking the server. Calls
   * `beforeCheck` (when given) once, after looking the login up and before trying the password
   * (not when the lookup itself failed: 'directory-unavailable'). A wrapper must pass it on: the
   * sign-in refuses a check that never called it.
   */
  verifyPassword(login: string, password: string, beforeCheck?: BeforePasswordCheck): Promise<PasswordCheck>;
  /** Throws when the directory does not answer; used by /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What the console searches for: users whose name, email or display name holds `text`, in `group`. */
export interface UserQuery {
  /** Part of the username, email, display name or UPN, in any case; absent or empty: any user. */
  text?: string;
  /** Only members of this group (by name); with AD, nested membership counts. */
  group?: string;
  /** At most this many users, from 1 to 1000. */
  limit: number;
}

export interface UserSearchResult {
  /** Each with its direct groups only (nested ones are resolved on findUserById). */
  users: DirectoryUser[];
  /** More users matched than `limit`. */
  more: boolean;
}

/**
 * The bounded searches the operators' console makes (src/admin/). A separate contract from
 * Directory, which is what signing in needs: both directories Latch ships implement it.
 */
export interface UserSearch {
  searchUsers(query: UserQuery): Promise<UserSearchResult>;
  /**
   * Every user, a page at a time, for the console's export (direct groups only, as above): the
   * next page is read once `onPage` has finished with this one, so a large directory is never
   * held in memory.
   */
  eachUserPage(onPage: (users: DirectoryUser[]) => Promise<void>): Promise<void>;
}

/** The largest `limit` a search may ask for. */
export const MAX_SEARCH_LIMIT = 1000;

export function checkSearchLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
    throw new RangeError(
      `user search limit must be a whole number from 1 to ${MAX_SEARCH_LIMIT}, got ${String(limit)}`,
    );
  }
  return limit;
}
