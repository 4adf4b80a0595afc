import type { LatchConfig } from '../../config/schema.ts';
import type { Directory } from '../../directory/contract.ts';
import type { Store } from '../../store/contract.ts';
import type { KnownDevices } from '../known-device.ts';
import type { PasswordThrottle } from '../throttle.ts';
import type { Passcodes } from '../passcodes/index.ts';
import { BypassCodeStep } from './bypass-code.ts';
import { IdentifyStep } from './identify.ts';
import { PasscodeEnrollStep } from './passcode-enroll.ts';
import { PasscodeStep } from './passcode.ts';
import { PasswordStep } from './password.ts';
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
  passcodes: Passcodes;
}

export function createSteps(deps: StepDeps): Step[] {
  const { passcodes } = deps;
  return [
    new IdentifyStep(),
    new PasswordStep(deps.directory, deps.throttle, deps.knownDevices, deps.failureDelayMs),
    new PasscodeStep(passcodes.credentials, passcodes.throttle),
    new PasscodeEnrollStep(passcodes.credentials, passcodes.throttle, passcodes.enrollKey, deps.config.passcodes),
    // Last: a help-desk code is the fallback when the user's own factors are out of reach.
    new BypassCodeStep(passcodes.bypassCodes, passcodes.throttle),
  ];
}
