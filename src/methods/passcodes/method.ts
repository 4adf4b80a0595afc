import type { PasscodesConfig } from '../../config/passcodes.ts';
import type { Store } from '../../store/contract.ts';
import type { Authenticator, Authenticators, SignInMethod } from '../method.ts';
import { accountPasscodeRoutes } from './account-routes.ts';
import { PasscodeEnrollStep } from './enroll-step.ts';
import { PasscodeStep, type PhonePasscodes } from './passcode-step.ts';
import { createPasscodes, type Passcodes } from './passcodes.ts';
import type { PasscodeCredential } from './records.ts';
import { PASSCODE_TEMPLATES } from './templates.ts';

// Passcodes from authenticator apps (TOTP) and hardware OATH tokens (HOTP, TOTP), as a second
// factor; a new user may set up an app right after the password.

function authenticator(credential: PasscodeCredential): Authenticator {
  const token = credential.source === 'token';
  return {
    id: credential.id,
    kind: token ? `Hardware token (${credential.type.toUpperCase()})` : 'Authenticator app',
    name: token ? `Token ${credential.serial ?? ''}` : 'Authenticator app',
    createdAt: credential.createdAt,
    lastUsedAt: credential.lastUsedAt,
    passwordless: false,
  };
}

function authenticators(passcodes: Passcodes): Authenticators {
  const { credentials } = passcodes;
  return {
    factor: true,
    list: async (userId) => (await credentials.listForUser(userId)).map(authenticator),
    remove: async (userId, id) => (await credentials.remove(userId, id)) !== undefined,
    async removeAll(userId) {
      const all = await credentials.listForUser(userId);
      for (const credential of all) await credentials.remove(userId, credential.id);
      return all.length;
    },
  };
}

export function passcodesMethod(deps: {
  store: Store;
  serverSecret: Buffer;
  config: PasscodesConfig;
  /** The Latch Authenticator's offline passcodes, accepted as passcodes too. */
  phone?: PhonePasscodes;
}): { method: SignInMethod; passcodes: Passcodes } {
  const passcodes = createPasscodes(deps.store, deps.serverSecret, deps.config);
  const { credentials, throttle, enrollKey } = passcodes;
  const method: SignInMethod = {
    id: 'passcodes',
    labels: { passcode: 'passcode' },
    steps: [
      new PasscodeStep(credentials, throttle, deps.phone),
      new PasscodeEnrollStep(credentials, throttle, enrollKey, deps.config),
    ],
    templates: PASSCODE_TEMPLATES,
    authenticators: authenticators(passcodes),
    account: {
      path: '/account/passcodes',
      label: 'Authenticator app',
      routes: (account) => accountPasscodeRoutes({ ...account, passcodes }),
    },
  };
  return { method, passcodes };
}
