import type { LatchConfig } from '../config/schema.ts';
import { SECOND_FACTOR_KINDS, type AppPolicyLayer, type PasswordlessKind, type PolicyLayer, type SecondFactorKind } from '../config/policy.ts';
import type { BrowserRules, CountryRules, NetworkRules } from '../config/conditions.ts';

export type { PasswordlessKind, SecondFactorKind };

// Policy resolution, in one place: the global layer, then the application's, then each of the
// user's groups in the order the config lists them, then the application's own groups (its pilot
// groups). `sources` says which layers applied, so the authentication log can explain a decision.
// Conditions (networks, countries, anonymous networks, browsers) are resolved like any key, the
// last layer that sets one winning whole; src/authn/conditions.ts applies them to a request.

export interface EffectivePolicy {
  password: boolean;
  secondFactors: SecondFactorKind[];
  passwordless: PasswordlessKind[];
  newUser: 'require-enrollment' | 'allow' | 'deny';
  rememberDevice: { enabled: boolean; lifetimeMs: number; scope: 'application' | 'all' };
  deny: boolean;
  /** Send the push right after the password when the phone is the user's first second factor. */
  autoPush: boolean;
  networks?: NetworkRules;
  countries?: CountryRules;
  anonymousNetworks?: 'allow' | 'require-2fa' | 'deny';
  browsers?: BrowserRules;
  sources: string[];
}

export type AppPolicies = Record<string, AppPolicyLayer | undefined>;

function apply(into: EffectivePolicy, layer: PolicyLayer | undefined, source: string): void {
  if (!layer) return;
  into.sources.push(source);
  if (layer.password !== undefined) into.password = layer.password;
  if (layer.secondFactors !== undefined) into.secondFactors = [...layer.secondFactors];
  if (layer.passwordless !== undefined) into.passwordless = [...layer.passwordless];
  if (layer.newUser !== undefined) into.newUser = layer.newUser;
  if (layer.deny !== undefined) into.deny = layer.deny;
  if (layer.autoPush !== undefined) into.autoPush = layer.autoPush;
  if (layer.networks !== undefined) into.networks = layer.networks;
  if (layer.countries !== undefined) into.countries = layer.countries;
  if (layer.anonymousNetworks !== undefined) into.anonymousNetworks = layer.anonymousNetworks;
  if (layer.browsers !== undefined) into.browsers = layer.browsers;
  const remember = layer.rememberDevice;
  if (remember) {
    if (remember.enabled !== undefined) into.rememberDevice.enabled = remember.enabled;
    if (remember.lifetime !== undefined) into.rememberDevice.lifetimeMs = remember.lifetime;
    if (remember.scope !== undefined) into.rememberDevice.scope = remember.scope;
  }
}

export class PolicyResolver {
  constructor(
    private readonly config: LatchConfig['policy'],
    /** Policy layers of applications, by app id (SAML SPs and OIDC clients register theirs). */
    private readonly apps: AppPolicies,
  ) {}

  /** Lets a front end register the policy layers of its applications. */
  registerApps(layers: AppPolicies): void {
    Object.assign(this.apps, layers);
  }

  /** Every layer with its name ("group contractors", "application finance group pilot"), for checks at start. */
  layers(): Array<{ source: string; layer: PolicyLayer }> {
    const all: Array<{ source: string; layer: PolicyLayer }> = [{ source: 'policy.default', layer: this.config.default }];
    for (const layer of this.config.groups) all.push({ source: `policy.groups ${layer.group}`, layer });
    for (const [id, app] of Object.entries(this.apps)) {
      if (!app) continue;
      all.push({ source: `application ${id}`, layer: app });
      for (const layer of app.groups ?? []) all.push({ source: `application ${id} group ${layer.group}`, layer });
    }
    return all;
  }

  resolve(appId: string, groups: string[] = []): EffectivePolicy {
    const policy: EffectivePolicy = {
      password: true,
      secondFactors: [...SECOND_FACTOR_KINDS],
      passwordless: ['platform', 'roaming', 'push'],
      newUser: 'allow',
      rememberDevice: { enabled: false, lifetimeMs: 30 * 86_400_000, scope: 'application' },
      deny: false,
      autoPush: false,
      sources: [],
    };
    apply(policy, this.config.default, 'default');
    const app = this.apps[appId];
    apply(policy, app, `application ${appId}`);
    for (const layer of this.config.groups) {
      if (groups.includes(layer.group)) apply(policy, layer, `group ${layer.group}`);
    }
    for (const layer of app?.groups ?? []) {
      if (groups.includes(layer.group)) apply(policy, layer, `application ${appId} group ${layer.group}`);
    }
    return policy;
  }
}
