import type { LatchConfig } from '../config/schema.ts';
import { ConfigError } from '../config/load.ts';
import { ConditionChecker } from './conditions.ts';
import { AnonymousNetworks, CountryLookup, type Logged } from './locations.ts';
import type { PolicyResolver } from './policy.ts';

// Builds policy's conditions from the configuration at start, and checks every layer's network
// rules name a list that `networks` defines (a typo would otherwise match nothing, silently).

export interface Conditions {
  checker: ConditionChecker;
  close(): void;
}

export function openConditions(config: LatchConfig, log: Logged): Conditions {
  const { countryDatabase, anonymousNetworks } = config.locations;
  const countries = new CountryLookup(countryDatabase);
  const anonymous = anonymousNetworks ? new AnonymousNetworks(anonymousNetworks, log) : undefined;
  return { checker: new ConditionChecker(config.networks, countries, anonymous), close: () => anonymous?.close() };
}

/** Throws a ConfigError naming each layer whose network rules name a list that does not exist. */
export function checkNetworkNames(checker: ConditionChecker, policies: PolicyResolver): void {
  const problems = policies
    .layers()
    .flatMap(({ source, layer }) =>
      checker
        .unknownNetworks(layer.networks?.rules.map((r) => r.network) ?? [])
        .map(
          (name) =>
            `${source}: networks rule names "${name}", which is not under the top-level networks (define it there, e.g. networks: { ${name}: [192.0.2.0/24] })`,
        ),
    );
  if (problems.length > 0) throw new ConfigError(problems);
}
