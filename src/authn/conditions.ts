import proxyaddr from 'proxy-addr';
import type { ConditionAction } from '../config/conditions.ts';
import type { EffectivePolicy } from './policy.ts';
import type { AnonymousNetworks, CountryLookup } from './locations.ts';
import { plainAddress } from './locations.ts';
import { browserDecisions } from './browser-conditions.ts';
import { describeUserAgent, type UserAgentInfo } from './user-agent.ts';

export type { ConditionAction };

// Conditions: what the request looks like (network, country, anonymous network, browser) checked
// against the conditions of the user's effective policy. Each condition that applies gives a
// decision naming its rule ("network office-vpn: allow-without-2fa", "country RU: deny"); the
// strictest decides. The flow writes every decision to the authentication log and acts on the
// result: deny ends the sign-in, require-2fa asks for a second factor even where a remembered
// browser or new-user policy would not, allow-without-2fa lets the password alone through.

/** The member states of the European Union, which country rules may name as "EU". */
export const EU_COUNTRIES = [
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
];

/** Where a request comes from and with what, as conditions see it. */
export interface ClientSignals {
  ip: string;
  /** ISO 3166-1 alpha-2; undefined when the database does not place the address. */
  country?: string;
  /** On the operator's anonymous-network list. */
  anonymous: boolean;
  userAgent: UserAgentInfo;
}

export interface ConditionDecision {
  /** For the authentication log: "network office-vpn: allow-without-2fa". */
  rule: string;
  action: ConditionAction | 'warn';
  /** What the user is told when this decision refuses or warns. */
  message?: string;
  hint?: string;
}

export interface ConditionVerdict {
  action: ConditionAction;
  /** Every decision a condition made, in the order checked. */
  decisions: ConditionDecision[];
  /** The decision that set `action` (the strictest), when one did. */
  deciding?: ConditionDecision;
  /** A browser warning to show the user while letting the sign-in through. */
  warning?: string;
}

const STRICTNESS: Record<ConditionAction, number> = { allow: 0, 'allow-without-2fa': 1, 'require-2fa': 2, deny: 3 };

/** Combines decisions: the strictest action wins; allow-without-2fa only when nothing asks for more. */
export function strictest(decisions: ConditionDecision[]): Pick<ConditionVerdict, 'action' | 'deciding'> {
  let verdict: Pick<ConditionVerdict, 'action' | 'deciding'> = { action: 'allow' };
  for (const decision of decisions) {
    if (decision.action === 'warn') continue;
    if (STRICTNESS[decision.action] > STRICTNESS[verdict.action])
      verdict = { action: decision.action, deciding: decision };
  }
  return verdict;
}

const DENIED_HERE = (app: string) => `You can't sign in to ${app} from where you are connecting.`;

export class ConditionChecker {
  private readonly matchers: Map<string, (ip: string) => boolean>;

  constructor(
    networks: Record<string, string[]>,
    private readonly countries?: CountryLookup,
    private readonly anonymous?: AnonymousNetworks,
  ) {
    this.matchers = new Map(
      Object.entries(networks).map(([name, ranges]) => {
        const trust = proxyaddr.compile(ranges);
        return [name, (ip: string) => trust(ip, 0)];
      }),
    );
  }

  /** Names of networks that `networks` does not define (checked against every policy layer at start). */
  unknownNetworks(names: string[]): string[] {
    return names.filter((name) => !this.matchers.has(name));
  }

  /** The country of an address, from the configured database (kept with a user's browsers). */
  country(ip: string): string | undefined {
    return this.countries?.country(plainAddress(ip));
  }

  signals(request: { ip: string; userAgent: string }): ClientSignals {
    const ip = plainAddress(request.ip);
    return {
      ip,
      country: this.countries?.country(ip),
      anonymous: this.anonymous?.has(ip) ?? false,
      userAgent: describeUserAgent(request.userAgent),
    };
  }

  /** Whether the policy has a condition to judge at all (most have none, and then nothing is read). */
  static judges(policy: EffectivePolicy): boolean {
    return Boolean(policy.networks || policy.countries || policy.anonymousNetworks || policy.browsers);
  }

  check(policy: EffectivePolicy, signals: ClientSignals, appName: string): ConditionVerdict {
    const decisions = [
      ...this.networkDecisions(policy, signals, appName),
      ...countryDecisions(policy, signals, appName),
      ...anonymousDecisions(policy, signals),
      ...browserDecisions(policy.browsers, signals.userAgent, appName),
    ];
    const warning = decisions.find((d) => d.action === 'warn')?.message;
    return { ...strictest(decisions), decisions, warning };
  }

  private networkDecisions(policy: EffectivePolicy, signals: ClientSignals, appName: string): ConditionDecision[] {
    const rules = policy.networks;
    if (!rules) return [];
    const hint = "Connect from your organisation's network or VPN and try again, or contact your IT help desk.";
    for (const rule of rules.rules) {
      if (this.matchers.get(rule.network)?.(signals.ip)) {
        return [
          { rule: `network ${rule.network}: ${rule.action}`, action: rule.action, message: DENIED_HERE(appName), hint },
        ];
      }
    }
    if (!rules.otherwise) return [];
    return [
      {
        rule: `network (none of ${rules.rules.map((r) => r.network).join(', ') || 'the listed networks'}): ${rules.otherwise}`,
        action: rules.otherwise,
        message: DENIED_HERE(appName),
        hint,
      },
    ];
  }
}

function countryDecisions(policy: EffectivePolicy, signals: ClientSignals, appName: string): ConditionDecision[] {
  const rules = policy.countries;
  if (!rules) return [];
  const hint = 'If you are travelling for work, contact your IT help desk.';
  const country = signals.country;
  if (!country) {
    const action = rules.unknown ?? rules.otherwise;
    return action ? [{ rule: `country unknown: ${action}`, action, message: DENIED_HERE(appName), hint }] : [];
  }
  const message = `You can't sign in to ${appName} from your location (${country}).`;
  for (const rule of rules.rules) {
    const listed = rule.countries.flatMap((c) => (c === 'EU' ? EU_COUNTRIES : [c]));
    if (listed.includes(country))
      return [{ rule: `country ${country}: ${rule.action}`, action: rule.action, message, hint }];
  }
  return rules.otherwise
    ? [{ rule: `country ${country} (otherwise): ${rules.otherwise}`, action: rules.otherwise, message, hint }]
    : [];
}

function anonymousDecisions(policy: EffectivePolicy, signals: ClientSignals): ConditionDecision[] {
  const action = policy.anonymousNetworks;
  if (!action || !signals.anonymous) return [];
  return [
    {
      rule: `anonymous network ${signals.ip}: ${action}`,
      action,
      message: "You can't sign in through an anonymising network (Tor, or a VPN service).",
      hint: 'Turn it off and try again, or contact your IT help desk.',
    },
  ];
}
