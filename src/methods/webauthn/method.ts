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
import { webauthnOriginProblem } from './usable-origin.ts';

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
        // A passkey on a device lives there; a security key is a device of its own.
        device: c.kind === 'platform' ? c.browsers?.[0] : undefined,
      })),
    remove: (userId, id) => credentials.remove(userId, id),
    async removeAll(userId) {
      const all = await credentials.list(userId);
      for (const credential of all) await credentials.remove(userId, credential.id);
      return all.length;
    },
  };
}

/** Where the start-up warning goes (pino's logger, or a test's list). */
interface StartLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * Warns at start when browsers will refuse WebAuthn for the configured URL (usable-origin.ts);
 * true when WebAuthn can work.
 */
export function checkWebAuthnOrigin(config: LatchConfig, log: StartLog): boolean {
  const problem = webauthnOriginProblem(config.webauthn, config.server.baseUrl);
  if (problem) log.warn({ setting: problem.split(' ')[0] }, `passkeys and security keys are turned off: ${problem}`);
  return problem === undefined;
}

export function webauthnMethod(deps: {
  config: LatchConfig;
  log: StartLog;
  store: Store;
  directory: Directory;
  policies: PolicyResolver;
}): {
  method: SignInMethod;
  webauthn: WebAuthnParts;
} {
  const webauthn = createWebAuthn(deps);
  const { ceremonies } = webauthn;
  if (!checkWebAuthnOrigin(deps.config, deps.log)) {
    // Nothing WebAuthn is offered, in the prompt or on the account page; what users registered is
    // still listed for the help desk, and works again once the URL is fixed.
    const method: SignInMethod = {
      id: 'webauthn',
      labels: {},
      steps: [],
      templates: WEBAUTHN_TEMPLATES,
      authenticators: authenticators(ceremonies.credentials),
    };
    return { method, webauthn };
  }
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
    account: {
      path: '/account/passkeys',
      label: 'Passkeys and security keys',
      routes: (account) => accountWebAuthnRoutes({ ...account, ceremonies }),
    },
  };
  return { method, webauthn };
}
