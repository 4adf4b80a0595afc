import type { AppPolicyLayer } from '../config/policy.ts';
import type { LatchConfig } from '../config/schema.ts';
import { PolicyResolver } from './policy.ts';

// The policy layers the configuration declares, under the application ids their front ends sign
// users in with: entries of `applications` (with their pilot `groups`) and OIDC clients. SAML SPs
// register theirs once their metadata is read (services.ts).

/** An entry of `applications`: its policy, with `groups` beside it taken as the policy's own. */
function withPilotGroups(app: LatchConfig['applications'][string]): AppPolicyLayer | undefined {
  if (!app.groups) return app.policy;
  return { ...app.policy, groups: [...(app.policy?.groups ?? []), ...app.groups] };
}

export function policiesFromConfig(config: LatchConfig): PolicyResolver {
  return new PolicyResolver(config.policy, {
    ...Object.fromEntries(Object.entries(config.applications).map(([id, app]) => [id, withPilotGroups(app)])),
    ...Object.fromEntries(config.oidc.clients.map((client) => [client.client_id, client.policy])),
  });
}
