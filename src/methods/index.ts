import type { Logger } from 'pino';
import type { AuthLog } from '../authn/auth-log.ts';
import { FactorChanges } from '../authn/factor-changes.ts';
import { FactorSummary } from '../authn/factor-summary.ts';
import { IdentifyStep } from '../authn/identify.ts';
import type { KnownDevices } from '../authn/known-device.ts';
import { RememberBrowserStep } from '../authn/remember-browser-step.ts';
import type { RememberedDevices } from '../authn/remembered-device.ts';
import type { PolicyResolver } from '../authn/policy.ts';
import type { Step } from '../authn/step.ts';
import type { PasswordThrottle } from '../authn/throttle.ts';
import type { LatchConfig } from '../config/schema.ts';
import type { Directory } from '../directory/contract.ts';
import type { Store } from '../store/contract.ts';
import type { Template } from '../ui/prompt-parts.ts';
import { bypassCodesMethod } from './bypass-codes/method.ts';
import type { SignInMethod } from './method.ts';
import { passcodesMethod } from './passcodes/method.ts';
import type { Passcodes } from './passcodes/passcodes.ts';
import { passwordMethod } from './password/method.ts';
import { pushMethod } from './push/method.ts';
import type { Push } from './push/push.ts';
import type { PushNetwork } from './push/push-endpoint.ts';
import { webauthnMethod } from './webauthn/method.ts';
import type { WebAuthnParts } from './webauthn/webauthn.ts';

// Every sign-in method Latch knows, in one list. A method is one folder that exports one
// descriptor (./method.ts); adding one adds its folder and a line here.

export interface MethodDeps {
  config: LatchConfig;
  log: Logger;
  store: Store;
  /** The server secret (src/keys/server-secret.ts): methods derive their own keys from it. */
  serverSecret: Buffer;
  directory: Directory;
  policies: PolicyResolver;
  authLog: AuthLog;
  knownDevices: KnownDevices;
  throttle: PasswordThrottle;
  /** Tests resolve the push services' names themselves; production passes nothing. */
  webPushNetwork?: PushNetwork;
}

export interface Methods {
  list: SignInMethod[];
  /** Who may change a user's authenticators, from what every method knows of them. */
  factorChanges: FactorChanges;
  // Parts that front ends other than the prompt use: the device API, the CLI.
  passcodes: Passcodes;
  webauthn: WebAuthnParts;
  push: Push;
}

export async function createMethods(deps: MethodDeps): Promise<Methods> {
  const { config } = deps;
  // Push asks, at activation, whether the user has a factor yet: the methods below answer.
  const hasAnyFactor = (userId: string) => factorChanges.hasAnyFactor(userId);
  const push = await pushMethod({ ...deps, hasAnyFactor });
  const passcodes = passcodesMethod({ ...deps, config: config.passcodes, phone: push.push.devices });
  const webauthn = webauthnMethod(deps);
  const list: SignInMethod[] = [
    passwordMethod({ ...deps, failureDelayMs: config.signIn.failureDelay }),
    webauthn.method,
    push.method,
    passcodes.method,
    bypassCodesMethod(passcodes.passcodes),
  ];
  const factorChanges = new FactorChanges(
    new Map(list.flatMap((m) => (m.authenticators ? [[m.id, m.authenticators] as const] : []))),
    new FactorSummary(deps.store),
    deps.policies,
  );
  return { list, factorChanges, passcodes: passcodes.passcodes, webauthn: webauthn.webauthn, push: push.push };
}

/**
 * The flow's steps: the first page (with a method's passkey autofill), every method's, and the
 * engine's "remember this browser" after a passwordless sign-in.
 */
export function flowSteps(methods: SignInMethod[], remembered: RememberedDevices): Step[] {
  const autofill = methods.find((m) => m.autofill)?.autofill;
  return [new IdentifyStep(autofill), ...methods.flatMap((m) => m.steps), new RememberBrowserStep(remembered)];
}

/** Every method's prompt templates, by name. */
export function promptTemplates(methods: SignInMethod[]): Record<string, Template> {
  return Object.assign({}, ...methods.map((m) => m.templates));
}
