import type { LatchConfig } from '../config/schema.ts';
import type { Directory } from '../directory/contract.ts';
import type { Store } from '../store/contract.ts';
import type { KnownDevices } from '../authn/known-device.ts';
import type { Passcodes } from './passcodes/passcodes.ts';
import type { Push } from './push/push.ts';
import type { PasswordThrottle } from '../authn/throttle.ts';
import type { WebAuthnParts } from './webauthn/webauthn.ts';
import { BypassCodeStep } from './bypass-codes/step.ts';
import { IdentifyStep } from '../authn/identify.ts';
import { PasskeyOfferStep } from './webauthn/passkey-offer-step.ts';
import { PasskeyStep } from './webauthn/passkey-step.ts';
import { PasscodeEnrollStep } from './passcodes/enroll-step.ts';
import { PasscodeStep } from './passcodes/passcode-step.ts';
import { PasswordStep } from './password/step.ts';
import { PushStep } from './push/second-factor-step.ts';
import { PushEnrollStep } from './push/enroll-step.ts';
import { PushPasswordlessStep } from './push/passwordless-step.ts';
import { WebAuthnEnrollStep } from './webauthn/enroll-step.ts';
import { WebAuthnSecondFactorStep } from './webauthn/second-factor-step.ts';
import type { Step } from '../authn/step.ts';

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
  /** TOTP apps, OATH tokens and bypass codes (src/authn/passcodes/index.ts). */
  passcodes: Passcodes;
  /** Push devices and requests (src/authn/push/index.ts), shared with the device API. */
  push: Push;
}

export function createSteps(deps: StepDeps): Step[] {
  const { webauthn, passcodes, push } = deps;
  return [
    new IdentifyStep(webauthn.autofill),
    // Only in a browser where this user completed a second factor before: the phone comes first there.
    new PushPasswordlessStep(push, deps.knownDevices, deps.directory),
    // Elsewhere the passkey page, the same for every username.
    new PasskeyStep(webauthn.passwordless, deps.directory),
    new PasswordStep(deps.directory, deps.throttle, deps.knownDevices, deps.failureDelayMs),
    new WebAuthnSecondFactorStep(webauthn.ceremonies),
    new PushStep(push),
    new PasscodeStep(passcodes.credentials, passcodes.throttle, push.devices),
    // Last: a help-desk code is the fallback when the user's own factors are out of reach.
    new BypassCodeStep(passcodes.bypassCodes, passcodes.throttle),
    // A new user is first offered an authenticator app (any phone will do); keys and the Latch
    // Authenticator are under "Other options".
    new PasscodeEnrollStep(passcodes.credentials, passcodes.throttle, passcodes.enrollKey, deps.config.passcodes),
    new WebAuthnEnrollStep(webauthn.ceremonies),
    new PushEnrollStep(push, deps.store, deps.config.server.baseUrl),
    new PasskeyOfferStep(webauthn.ceremonies, deps.store),
  ];
}
