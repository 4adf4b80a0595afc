import type { LatchConfig } from '../../config/schema.ts';
import type { Directory } from '../../directory/contract.ts';
import type { Store } from '../../store/contract.ts';
import type { PolicyResolver } from '../../authn/policy.ts';
import { DiscoverablePasskeys } from './autofill.ts';
import { WebAuthnCeremonies } from './ceremonies.ts';
import { WebAuthnChallenges } from './challenges.ts';
import { WebAuthnCredentials } from './credentials.ts';
import { PasswordlessSignIn } from './passwordless.ts';
import { RelyingParty } from './relying-party.ts';

// WebAuthn's parts, wired once from the configuration (the steps and the account page share them).

export interface WebAuthnParts {
  ceremonies: WebAuthnCeremonies;
  passwordless: PasswordlessSignIn;
  autofill: DiscoverablePasskeys;
}

export function createWebAuthn(deps: {
  config: LatchConfig;
  store: Store;
  directory: Directory;
  policies: PolicyResolver;
}): WebAuthnParts {
  const { webauthn } = deps.config;
  const ceremonies = new WebAuthnCeremonies(
    new WebAuthnCredentials(deps.store),
    new WebAuthnChallenges(deps.store, webauthn.challengeLifetime),
    new RelyingParty(webauthn, deps.config.server.baseUrl),
    webauthn,
  );
  const passwordless = new PasswordlessSignIn(ceremonies, deps.directory, deps.policies);
  return { ceremonies, passwordless, autofill: new DiscoverablePasskeys(passwordless) };
}
