import type { AuthLog } from '../../authn/auth-log.ts';
import type { KnownDevices } from '../../authn/known-device.ts';
import type { LatchConfig } from '../../config/schema.ts';
import type { Directory } from '../../directory/contract.ts';
import type { Store } from '../../store/contract.ts';
import type { Logger } from 'pino';
import type { Authenticators, SignInMethod } from '../method.ts';
import { accountPushRoutes } from './account-routes.ts';
import { PushEnrollStep } from './enroll-step.ts';
import { PushPasswordlessStep } from './passwordless-step.ts';
import { createPush, type Push } from './push.ts';
import type { PushNetwork } from './push-endpoint.ts';
import { PushStep } from './second-factor-step.ts';
import { PUSH_TEMPLATES } from './templates.ts';

// Push to the Latch Authenticator: verified push as a second factor, passwordless push from a
// browser known for the user, and activation of the phone inline or from the account page.

function authenticators(push: Push): Authenticators {
  const { devices } = push;
  return {
    factor: true,
    async list(userId) {
      const device = await devices.forUser(userId);
      if (!device) return [];
      const kind = `Latch Authenticator (${device.platform})`;
      return [{ id: device.id, kind, name: device.name, createdAt: device.createdAt, passwordless: true }];
    },
    async remove(userId, id) {
      if ((await devices.forUser(userId))?.id !== id) return false;
      return (await devices.remove(userId)) !== undefined;
    },
    removeAll: async (userId) => ((await devices.remove(userId)) ? 1 : 0),
  };
}

export interface PushMethodDeps {
  config: LatchConfig;
  store: Store;
  serverSecret: Buffer;
  directory: Directory;
  knownDevices: KnownDevices;
  authLog: AuthLog;
  log: Logger;
  /** Whether a user has any factor: activation links given to password-only sessions check it. */
  hasAnyFactor: (userId: string) => Promise<boolean>;
  webPushNetwork?: PushNetwork;
}

export async function pushMethod(deps: PushMethodDeps): Promise<{ method: SignInMethod; push: Push }> {
  const { config } = deps;
  const push = await createPush({
    config: config.push,
    store: deps.store,
    authLog: deps.authLog,
    log: deps.log,
    trustLifetimeMs: config.knownDevice.lifetime,
    serverSecret: deps.serverSecret,
    hasAnyFactor: deps.hasAnyFactor,
    webPushNetwork: deps.webPushNetwork,
  });
  const method: SignInMethod = {
    id: 'push',
    labels: { push: 'push to the phone', 'push-passwordless': 'phone (passwordless push)' },
    steps: [
      new PushPasswordlessStep(push, deps.knownDevices, deps.directory),
      new PushStep(push),
      new PushEnrollStep(push, deps.store, config.server.baseUrl),
    ],
    templates: PUSH_TEMPLATES,
    authenticators: authenticators(push),
    browserTrust: {
      label: 'passwordless push without a code',
      isTrusted: (deviceId, userId) => push.trusted.isTrustedAtAll(deviceId, userId),
      forget: (deviceId, userId) => push.trusted.forget(deviceId, userId),
    },
    account: {
      path: '/account/authenticator',
      label: 'Phone sign-in (Latch Authenticator)',
      routes: (account) => accountPushRoutes({ ...account, push }),
    },
  };
  return { method, push };
}
