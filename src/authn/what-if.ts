import type { ConditionChecker, ConditionDecision, ClientSignals } from './conditions.ts';
import type { EffectivePolicy, PolicyResolver } from './policy.ts';

// "What would happen for alice at the VPN from 203.0.113.9?": the effective policy for a user of
// an application, the conditions it would meet from an address and browser, and what the sign-in
// would then ask for, in the words of the authentication log. For the admin console's
// effective-policy view and for operators testing a policy; it reads nothing from the store.

export interface WhatIfQuery {
  appId: string;
  /** Shown in the summary; the groups are what policy is resolved with. */
  user: { username: string; groups: string[] };
  ip: string;
  userAgent?: string;
}

export type WhatIfOutcome =
  /** Refused: policy.deny, or a condition that denies. */
  | 'denied'
  /** The password alone (a condition allows it without a second factor). */
  | 'password-only'
  /** A second factor (or a passwordless authenticator) always; a remembered browser does not count. */
  | 'second-factor-required'
  /** A second factor where the user has one; a remembered browser may stand in for it. */
  | 'second-factor';

export interface WhatIfAnswer {
  outcome: WhatIfOutcome;
  policy: EffectivePolicy;
  signals: ClientSignals;
  decisions: ConditionDecision[];
  /** One line for a person: what happens and which rule or layer decided it. */
  summary: string;
}

export function explainSignIn(
  policies: PolicyResolver,
  conditions: ConditionChecker,
  query: WhatIfQuery,
): WhatIfAnswer {
  const policy = policies.resolve(query.appId, query.user.groups);
  const signals = conditions.signals({ ip: query.ip, userAgent: query.userAgent ?? '' });
  const verdict = conditions.check(policy, signals, query.appId);
  const layers = policy.sources.join(' <- ');
  const where = [
    `from ${signals.ip}`,
    signals.country ? `country ${signals.country}` : 'country unknown',
    signals.anonymous ? 'anonymous network' : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const who = `${query.user.username} at ${query.appId} (${where})`;
  const because = verdict.deciding ? verdict.deciding.rule : layers;
  const answer = (outcome: WhatIfOutcome, what: string): WhatIfAnswer => ({
    outcome,
    policy,
    signals,
    decisions: verdict.decisions,
    summary: `${who}: ${what} (${because}; policy ${layers})`,
  });
  if (policy.deny) return { ...answer('denied', 'denied'), summary: `${who}: denied (policy ${layers})` };
  switch (verdict.action) {
    case 'deny':
      return answer('denied', 'denied');
    case 'allow-without-2fa':
      return answer('password-only', 'signs in with the password alone');
    case 'require-2fa':
      return answer(
        'second-factor-required',
        `signs in with ${firstFactors(policy)} and a second factor, even in a remembered browser`,
      );
    case 'allow':
      return answer(
        'second-factor',
        `signs in with ${firstFactors(policy)} and a second factor if enrolled (new users: ${policy.newUser})`,
      );
  }
}

function firstFactors(policy: EffectivePolicy): string {
  const passwordless =
    policy.passwordless.length > 0 ? `a passwordless authenticator (${policy.passwordless.join(', ')}), or ` : '';
  return `${passwordless}the password`;
}
