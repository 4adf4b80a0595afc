import type { LatchConfig } from '../config/schema.ts';
import { SECOND_FACTOR_KINDS, type PasswordlessKind, type PolicyLayer, type SecondFactorKind } from '../config/policy.ts';

export type { PasswordlessKind, SecondFactorKind };

// Policy resolution, in one place: the global layer, then the application's, then each of the
// user's groups in the order the config lists them. `sources` says which layers applied, so the
// authentication log can explain a decision.

export interface EffectivePolicy {
  password: boolean;
  secondFactors: SecondFactorKind[];
  passwordless: PasswordlessKind[];
  newUser: 'require-enrollment' | 'allow' | 'deny';
  rememberDevice: { enabled: boolean; lifetimeMs: number; scope: 'application' | 'all' };
  deny: boolean;
  sources: string[];
}

export type AppPolicies = Record<string, PolicyLayer | undefined>;

function apply(into: EffectivePolicy, layer: PolicyLayer | undefined, source: string): void {
  if (!layer) return;
  into.sources.push(source);
  if (layer.password !== undefined) into.password = layer.password;
  if (layer.secondFactors !== undefined) into.secondFactors = [...layer.secondFactors];
  if (layer.passwordless !== undefined) into.passwordless = [...layer.passwordless];
  if (layer.newUser !== undefined) into.newUser = layer.newUser;
  if (layer.deny !== undefined) into.deny = layer.deny;
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

  resolve(appId: string, groups: string[] = []): EffectivePolicy {
    const policy: EffectivePolicy = {
      password: true,
      secondFactors: [...SECOND_FACTOR_KINDS],
      passwordless: ['platform', 'roaming', 'push'],
      newUser: 'allow',
      rememberDevice: { enabled: false, lifetimeMs: 30 * 86_400_000, scope: 'application' },
      deny: false,
      sources: [],
    };
    apply(policy, this.config.default, 'default');
    apply(policy, this.apps[appId], `application ${appId}`);
    for (const layer of this.config.groups) {
      if (groups.includes(layer.group)) apply(policy, layer, `group ${layer.group}`);
    }
    return policy;
  }
}
