import type { LatchConfig } from '../config/schema.ts';
import {
  SECOND_FACTOR_KINDS,
  type AppPolicyLayer,
  type GroupLayer,
  type PasswordlessKind,
  type PolicyLayer,
  type SecondFactorKind,
} from '../config/policy.ts';
import type { BrowserRules, CountryRules, NetworkRules } from '../config/conditions.ts';

export type { PasswordlessKind, SecondFactorKind };

// Policy resolution, in one place: the global layer (the config's, then the console's), then the
// application's, then each of the user's groups in the order the config lists them (then the
// console's group layers, in their order), then the
// application's own groups (its pilot groups). `sources` says which layers applied, so the
// authentication log can explain a decision. Last, the organisation-wide passwordless switch
// (an owner's, in the console): off, no layer can offer passwordless sign-in.
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

/** What the operators' console sets (src/authn/console-policy.ts keeps it in the store). */
export interface ConsoleLayers {
  /** Applied over policy.default. */
  default?: PolicyLayer;
  /** Applied after policy.groups, to members of each group. */
  groups?: GroupLayer[];
  /** False: passwordless sign-in is off for the whole organisation, whatever a layer says. */
  passwordlessAllowed: boolean;
}

/** One layer that applies, with its name for people ("application wiki group pilot"). */
export interface AppliedLayer {
  source: string;
  layer: PolicyLayer;
}

/** What every resolution starts from, before any layer. */
export function builtInPolicy(): EffectivePolicy {
  return {
    password: true,
    secondFactors: [...SECOND_FACTOR_KINDS],
    passwordless: ['platform', 'roaming', 'push'],
    newUser: 'allow',
    rememberDevice: { enabled: false, lifetimeMs: 30 * 86_400_000, scope: 'application' },
    deny: false,
    autoPush: false,
    sources: [],
  };
}

function apply(into: EffectivePolicy, layer: PolicyLayer, source: string): void {
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

/** The source name of the organisation-wide switch, when it turns passwordless off. */
export const PASSWORDLESS_OFF = 'organisation: passwordless sign-in off';

export class PolicyResolver {
  private console: ConsoleLayers = { passwordlessAllowed: true };

  constructor(
    private readonly config: LatchConfig['policy'],
    /** Policy layers of applications, by app id (SAML SPs and OIDC clients register theirs). */
    private readonly apps: AppPolicies,
  ) {}

  /** Lets a front end register the policy layers of its applications (undefined removes one). */
  registerApps(layers: AppPolicies): void {
    Object.assign(this.apps, layers);
  }

  /** Every layer with its name ("group contractors", "application finance group pilot"), for checks at start. */
  layers(): AppliedLayer[] {
    const all: AppliedLayer[] = [{ source: 'policy.default', layer: this.config.default }];
    if (this.console.default) all.push({ source: 'console default', layer: this.console.default });
    for (const layer of this.config.groups) all.push({ source: `policy.groups ${layer.group}`, layer });
    for (const layer of this.console.groups ?? []) all.push({ source: `console group ${layer.group}`, layer });
    for (const [id, app] of Object.entries(this.apps)) {
      if (!app) continue;
      all.push({ source: `application ${id}`, layer: app });
      for (const layer of app.groups ?? []) all.push({ source: `application ${id} group ${layer.group}`, layer });
    }
    return all;
  }

  /** The console's layer and switch, as last read from the store. */
  setConsole(layers: ConsoleLayers): void {
    this.console = layers;
  }

  get passwordlessAllowed(): boolean {
    return this.console.passwordlessAllowed;
  }

  /** The layers that apply to members of `groups` at `appId`, in the order they apply. */
  appliedLayers(appId: string, groups: string[] = []): AppliedLayer[] {
    const layers: AppliedLayer[] = [{ source: 'default', layer: this.config.default }];
    if (this.console.default) layers.push({ source: 'console default', layer: this.console.default });
    const app = this.apps[appId];
    if (app) layers.push({ source: `application ${appId}`, layer: app });
    for (const layer of this.config.groups) {
      if (groups.includes(layer.group)) layers.push({ source: `group ${layer.group}`, layer });
    }
    for (const layer of this.console.groups ?? []) {
      if (groups.includes(layer.group)) layers.push({ source: `console group ${layer.group}`, layer });
    }
    for (const layer of app?.groups ?? []) {
      if (groups.includes(layer.group)) layers.push({ source: `application ${appId} group ${layer.group}`, layer });
    }
    return layers;
  }

  resolve(appId: string, groups: string[] = []): EffectivePolicy {
    const policy = builtInPolicy();
    for (const { source, layer } of this.appliedLayers(appId, groups)) apply(policy, layer, source);
    if (!this.console.passwordlessAllowed) {
      policy.passwordless = [];
      policy.sources.push(PASSWORDLESS_OFF);
    }
    return policy;
  }
}
