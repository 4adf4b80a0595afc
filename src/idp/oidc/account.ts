import type { Account, AccountClaims, KoaContextWithOIDC } from 'oidc-provider';
import { levelSatisfies, type AuthLevel } from '../../authn/contract.ts';
import type { AccountStatus } from '../../directory/account-check.ts';
import type { DirectoryUser } from '../../directory/contract.ts';
import { accountsCheckedInRequest } from './deps.ts';

// Who a token is about: the directory user behind an accountId (DirectoryUser.id, AD's objectGUID,
// which is also `sub`), and the claims each scope releases. oidc-provider asks on every token
// request, userinfo request and authorization, so the account is checked each time
// (AccountCheck): a disabled or deleted account's refresh token and access token stop working.

export type AccountRefused = Extract<AccountStatus, { usable: false }>;

/** Whether the account is still usable, and who it is now (AccountCheck.check). */
export type CheckAccount = (id: string) => Promise<AccountStatus>;

/** Told about each request refused because its account may no longer be used. */
export type OnRefused = (ctx: KoaContextWithOIDC, userId: string, refusal: AccountRefused) => Promise<void>;

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

type FindAccount = (ctx: KoaContextWithOIDC, sub: string) => Promise<Account | undefined>;

/**
 * oidc-provider's findAccount. Nothing for an account that may no longer be used: oidc-provider
 * then refuses the refresh grant (invalid_grant) and userinfo (invalid_token). A directory that
 * does not answer makes the request fail (server_error), so that no client drops good tokens. An
 * account that this same request re-checked already (single sign-on from the IdP session) is not
 * asked for again.
 */
export function accountFinder(check: CheckAccount, onRefused: OnRefused): FindAccount {
  return async (ctx, sub) => {
    const checked = accountsCheckedInRequest.get(ctx.req);
    if (checked?.id === sub) return account(checked);
    const status = await check(sub);
    if (!status.usable) {
      await onRefused(ctx, sub, status);
      return undefined;
    }
    return account(status.user);
  };
}

function account(user: DirectoryUser): Account {
  const claims = claimsOf(user);
  return { accountId: user.id, claims: () => claims };
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
