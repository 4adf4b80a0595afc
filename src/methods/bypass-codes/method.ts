import type { CodeThrottle } from '../../authn/code-throttle.ts';
import type { Authenticators, SignInMethod } from '../method.ts';
import type { BypassCodes } from './bypass-codes.ts';
import { BypassCodeStep } from './step.ts';
import { BYPASS_CODE_TEMPLATES } from './templates.ts';

// Bypass codes from the help desk (`latch bypass-codes generate USER`), the fallback second factor
// when the user's own factors are out of reach. Not a factor the user enrolled: having some does
// not stop a password-only session from enrolling the first real one.

/** All of a user's usable codes, listed as one entry ("3 bypass codes"), removed together. */
const ALL_CODES = 'bypass-codes';

function authenticators(codes: BypassCodes): Authenticators {
  return {
    factor: false,
    async list(userId) {
      const live = await codes.list(userId);
      if (live.length === 0) return [];
      const createdAt = Math.min(...live.map((c) => c.createdAt));
      const name = live.length === 1 ? '1 bypass code' : `${live.length} bypass codes`;
      return [{ id: ALL_CODES, kind: 'Bypass codes', name, createdAt, passwordless: false }];
    },
    remove: async (userId, id) => id === ALL_CODES && (await codes.revoke(userId)) > 0,
    removeAll: (userId) => codes.revoke(userId),
  };
}

export function bypassCodesMethod(deps: { bypassCodes: BypassCodes; throttle: CodeThrottle }): SignInMethod {
  return {
    id: 'bypass-codes',
    labels: { 'bypass-code': 'bypass code' },
    steps: [new BypassCodeStep(deps.bypassCodes, deps.throttle)],
    templates: BYPASS_CODE_TEMPLATES,
    authenticators: authenticators(deps.bypassCodes),
  };
}
