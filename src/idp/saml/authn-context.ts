import type { AuthLevel, SignInResult } from '../../authn/contract.ts';
import { levelSatisfies } from '../../authn/contract.ts';

// Between SAML authentication context classes and Latch's levels. The flow decides the methods;
// here we only describe what it did and translate what the SP asks for.

export const AUTHN_CLASS = {
  unspecified: 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified',
  password: 'urn:oasis:names:tc:SAML:2.0:ac:classes:Password',
  passwordProtectedTransport: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
  refedsSfa: 'https://refeds.org/profile/sfa',
  refedsMfa: 'https://refeds.org/profile/mfa',
  microsoftMfa: 'http://schemas.microsoft.com/claims/multipleauthn',
  mobileTwoFactor: 'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract',
  x509: 'urn:oasis:names:tc:SAML:2.0:ac:classes:X509',
} as const;

/** The level each known class stands for. */
const CLASS_LEVEL: Record<string, AuthLevel> = {
  [AUTHN_CLASS.unspecified]: 'password',
  [AUTHN_CLASS.password]: 'password',
  [AUTHN_CLASS.passwordProtectedTransport]: 'password',
  [AUTHN_CLASS.refedsSfa]: 'password',
  [AUTHN_CLASS.refedsMfa]: 'mfa',
  [AUTHN_CLASS.microsoftMfa]: 'mfa',
  [AUTHN_CLASS.mobileTwoFactor]: 'mfa',
};

const ORDER: AuthLevel[] = ['password', 'mfa', 'passwordless'];

/** Class emitted for each level unless the SP asked for a class that the level satisfies. */
export type ClassMap = Record<AuthLevel, string>;
export const DEFAULT_CLASSES: ClassMap = {
  password: AUTHN_CLASS.passwordProtectedTransport,
  mfa: AUTHN_CLASS.refedsMfa,
  passwordless: AUTHN_CLASS.refedsMfa,
};

export type Comparison = 'exact' | 'minimum' | 'maximum' | 'better';

/**
 * The levels a RequestedAuthnContext accepts, or undefined when none of its classes is known to
 * Latch (the caller answers NoAuthnContext).
 */
export function acceptableLevels(
  classes: string[],
  comparison: Comparison,
  classMap: ClassMap = DEFAULT_CLASSES,
): AuthLevel[] | undefined {
  const levelOf = (c: string): AuthLevel | undefined =>
    CLASS_LEVEL[c] ?? (Object.keys(classMap) as AuthLevel[]).find((l) => classMap[l] === c);
  const levels = classes.map(levelOf).filter((l): l is AuthLevel => l !== undefined);
  if (levels.length === 0) return undefined;
  const rank = (l: AuthLevel) => ORDER.indexOf(l);
  const weakest = Math.min(...levels.map(rank));
  const strongest = Math.max(...levels.map(rank));
  switch (comparison) {
    case 'exact':
      return [...new Set(levels)];
    case 'minimum':
      return [ORDER[weakest]!];
    case 'better':
      return weakest + 1 < ORDER.length ? [ORDER[weakest + 1]!] : undefined;
    case 'maximum':
      return ORDER.slice(0, strongest + 1);
  }
}

/** The AuthnContextClassRef for a finished sign-in: a requested class it satisfies, else the level's class. */
export function classRefFor(
  result: Pick<SignInResult, 'level'>,
  requested: string[] | undefined,
  classMap: ClassMap = DEFAULT_CLASSES,
): string {
  for (const c of requested ?? []) {
    const level = CLASS_LEVEL[c] ?? (Object.keys(classMap) as AuthLevel[]).find((l) => classMap[l] === c);
    if (level && levelSatisfies(result.level, [level])) return c;
  }
  return classMap[result.level];
}
