import type { LatchConfig } from '../../config/schema.ts';
import type { Directory } from '../../directory/contract.ts';
import type { PolicyResolver } from '../../authn/policy.ts';
import type { Store } from '../../store/contract.ts';
import type { Authenticators, SignInMethod } from '../method.ts';
import { accountWebAuthnRoutes } from './account-routes.ts';
import type { WebAuthnCredentials } from './credentials.ts';
import { WebAuthnEnrollStep } from './enroll-step.ts';
import { PasskeyOfferStep } from './passkey-offer-step.ts';
import { PasskeyStep } from './passkey-step.ts';
import { WebAuthnSecondFactorStep } from './second-factor-step.ts';
import { WEBAUTHN_TEMPLATES } from './templates.ts';
import { createWebAuthn, type WebAuthnParts } from './webauthn.ts';

// WebAuthn: security keys and platform authenticators as a second factor, and passkeys for
// passwordless sign-in (after the username, or from the browser's autofill on the first page).

function authenticators(credentials: WebAuthnCredentials): Authenticators {
  return {
    factor: true,
    list: async (userId) =>
      (await credentials.list(userId)).map((c) => ({
        id: c.id,
        kind: c.kind === 'platform' ? 'This device (platform authenticator)' : 'Security key',
        name: c.name,
        createdAt: c.createdAt,
        lastUsedAt: c.lastUsedAt,
        passwordless: c.passwordless,
      })),
    remove: (userId, id) => credentials.remove(userId, id),
    async removeAll(userId) {
      const all = await credentials.list(userId);
      for (const credential of all) await credentials.remove(userId, credential.id);
      return all.length;
    },
  };
}

export function webauthnMethod(deps: { config: LatchConfig; store: Store; directory: Directory; policies: PolicyResolver }): {
  method: SignInMethod;
  webauthn: WebAuthnParts;
} {
  const webauthn = createWebAuthn(deps);
  const { ceremonies } = webauthn;
  const method: SignInMethod = {
    id: 'webauthn',
    labels: { webauthn: 'security key or this device', 'webauthn-passwordless': 'passkey' },
    steps: [
      new PasskeyStep(webauthn.passwordless, deps.directory),
      new WebAuthnSecondFactorStep(ceremonies),
      new WebAuthnEnrollStep(ceremonies),
      new PasskeyOfferStep(ceremonies, deps.store),
    ],
    templates: WEBAUTHN_TEMPLATES,
    autofill: webauthn.autofill,
    authenticators: authenticators(ceremonies.credentials),
    account: { path: '/account/passkeys', label: 'Passkeys and security keys', routes: (account) => accountWebAuthnRoutes({ ...account, ceremonies }) },
  };
  return { method, webauthn };
}
