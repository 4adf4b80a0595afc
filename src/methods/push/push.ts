import type { Logger } from 'pino';
import type { PushConfig } from '../../config/push.ts';
import type { Store } from '../../store/contract.ts';
import type { AuthLog } from '../../authn/auth-log.ts';
import { SecretBox } from '../../keys/secret-box.ts';
import { PushActivations } from './activation.ts';
import { PushBus } from './bus.ts';
import { PushDevices } from './devices.ts';
import type { PushNotifier } from './notify.ts';
import { PushEndpoints, type PushNetwork } from './push-endpoint.ts';
import { RelayNotifier, type PushRelay } from './relay.ts';
import { PushRequests } from './requests.ts';
import { DeviceAuthenticator } from './signature.ts';
import { TrustedBrowsers } from './trusted-browsers.ts';
import { loadVapidKeys, WebPushNotifier, type VapidKeys } from './web-push.ts';

// Everything push needs, built once per node: devices, activation links, requests, the signed
// device channel, trusted browsers and the ways to wake a phone.

export interface Push {
  config: PushConfig;
  devices: PushDevices;
  activations: PushActivations;
  requests: PushRequests;
  deviceAuth: DeviceAuthenticator;
  trusted: TrustedBrowsers;
  /** Where Web Push may go (push.webPush.allowedHosts, public addresses only). */
  webPushEndpoints: PushEndpoints;
  vapid?: VapidKeys;
  close(): Promise<void>;
}

export async function createPush(options: {
  config: PushConfig;
  store: Store;
  authLog: AuthLog;
  log: Logger;
  trustLifetimeMs: number;
  /** Seals the devices' passcode secrets at rest (src/keys/server-secret.ts). */
  serverSecret: Buffer;
  relay?: PushRelay;
  /** Whether a user has any factor: activation links given to password-only sessions check it. */
  hasAnyFactor?: (userId: string) => Promise<boolean>;
  /** DNS and reachable addresses for Web Push; production leaves it unset (system DNS, public addresses). */
  webPushNetwork?: PushNetwork;
}): Promise<Push> {
  const { config, store, authLog, log } = options;
  const devices = new PushDevices(store, new SecretBox(options.serverSecret));
  const bus = new PushBus(store);
  const notifiers: PushNotifier[] = [];
  const webPushEndpoints = new PushEndpoints(config.webPush.allowedHosts, options.webPushNetwork);
  const vapid = config.webPush.enabled ? await loadVapidKeys(store) : undefined;
  if (vapid) notifiers.push(new WebPushNotifier(vapid, config.webPush.subject, webPushEndpoints, log));
  if (options.relay) notifiers.push(new RelayNotifier(options.relay, log));
  return {
    config,
    devices,
    activations: new PushActivations(store, devices, config.activationLifetime, options.hasAnyFactor),
    requests: new PushRequests(store, bus, config, authLog, notifiers),
    deviceAuth: new DeviceAuthenticator(store, devices, config.clockSkew),
    trusted: new TrustedBrowsers(store, options.trustLifetimeMs),
    webPushEndpoints,
    vapid,
    close: () => bus.close(),
  };
}

export type { PushDevice } from './devices.ts';
export type { PushRequest } from './requests.ts';
export { PushDevices } from './devices.ts';
