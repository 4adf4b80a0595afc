import type { LatchConfig } from '../../config/schema.ts';
import type { Directory } from '../../directory/contract.ts';
import type { Store } from '../../store/contract.ts';
import type { KnownDevices } from '../known-device.ts';
import type { Push } from '../push/index.ts';
import type { PasswordThrottle } from '../throttle.ts';
import type { WebAuthnParts } from '../webauthn/index.ts';
import { IdentifyStep } from './identify.ts';
import { PasskeyOfferStep } from './passkey-offer.ts';
import { PasskeyStep } from './passkey.ts';
import { PasswordStep } from './password.ts';
import { PushStep } from './push.ts';
import { PushEnrollStep } from './push-enroll.ts';
import { PushPasswordlessStep } from './push-passwordless.ts';
import { WebAuthnEnrollStep } from './webauthn-enroll.ts';
import { WebAuthnSecondFactorStep } from './webauthn-second-factor.ts';
import type { Step } from './step.ts';

// Every sign-in method Latch knows, in the order alternatives are offered within a stage.

export interface StepDeps {
  config: LatchConfig;
  store: Store;
  /** The server secret (src/keys/server-secret.ts): derive step-specific MAC keys from it. */
  serverSecret: Buffer;
  directory: Directory;
  throttle: PasswordThrottle;
  knownDevices: KnownDevices;
  failureDelayMs: number;
  /** WebAuthn's credentials and ceremonies (src/authn/webauthn/index.ts), shared with the account page. */
  webauthn: WebAuthnParts;
  push?: Push;
}

export function createSteps(deps: StepDeps): Step[] {
  const { webauthn } = deps;
  return [
    new IdentifyStep(webauthn.autofill),
    new PasskeyStep(webauthn.passwordless, deps.directory),
    ...(deps.push ? [new PushPasswordlessStep(deps.push, deps.knownDevices, deps.directory)] : []),
    new PasswordStep(deps.directory, deps.throttle, deps.knownDevices, deps.failureDelayMs),
    new WebAuthnSecondFactorStep(webauthn.ceremonies),
    ...(deps.push ? [new PushStep(deps.push)] : []),
    new WebAuthnEnrollStep(webauthn.ceremonies),
    ...(deps.push ? [new PushEnrollStep(deps.push, deps.store, deps.config.server.baseUrl)] : []),
    new PasskeyOfferStep(webauthn.ceremonies, deps.store),
  ];
}
