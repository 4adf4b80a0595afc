import type { Account, AccountClaims } from 'oidc-provider';
import { levelSatisfies, type AuthLevel } from '../../authn/contract.ts';
import type { DirectoryUser } from '../../directory/contract.ts';

// Who a token is about: the directory user behind an accountId (DirectoryUser.id, AD's objectGUID,
// which is also `sub`), and the claims each scope releases.

/** Looks a user up by DirectoryUser.id; undefined when they are gone. */
export type FindUser = (id: string) => Promise<DirectoryUser | undefined>;

/** Claims released per scope (oidc-provider's `claims` option). */
export const SCOPE_CLAIMS = {
  // What the sign-in was and when go into every ID token (they are not account claims, so userinfo has none).
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  profile: ['name', 'preferred_username'],
  email: ['email', 'email_verified'],
  groups: ['groups'],
  // Also requestable one by one with the claims parameter.
  acr: null,
  amr: null,
  auth_time: null,
  sid: null,
} as const;

export function claimsOf(user: DirectoryUser): AccountClaims {
  return {
    sub: user.id,
    preferred_username: user.username,
    ...(user.displayName ? { name: user.displayName } : {}),
    // Addresses come from the directory, which the organisation manages: they are verified.
    ...(user.email ? { email: user.email, email_verified: true } : {}),
    groups: user.groups,
  };
}

export function accountFinder(findUser: FindUser): (ctx: unknown, sub: string) => Promise<Account | undefined> {
  return async (_ctx, sub) => {
    const user = await findUser(sub);
    if (!user) return undefined;
    const claims = claimsOf(user);
    return { accountId: user.id, claims: () => claims };
  };
}

/** The acr values Latch publishes, one per authentication level. */
export const ACR_VALUES: AuthLevel[] = ['password', 'mfa', 'passwordless'];

const isLevel = (value: string): value is AuthLevel => (ACR_VALUES as string[]).includes(value);

/** Requested acr values that Latch knows, as levels; unknown values are ignored (acr_values is a preference). */
export function requestedLevels(acrValues: string[]): AuthLevel[] | undefined {
  const levels = acrValues.filter(isLevel);
  return levels.length > 0 ? levels : undefined;
}

/**
 * The acr to assert: the first requested value that the user's level satisfies (passwordless
 * satisfies a request for "mfa"), else the level itself.
 */
export function acrFor(level: AuthLevel, requested: AuthLevel[] | undefined): string {
  return requested?.find((wanted) => levelSatisfies(level, [wanted])) ?? level;
}
