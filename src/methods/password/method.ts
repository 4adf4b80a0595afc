import type { KnownDevices } from '../../authn/known-device.ts';
import type { PasswordThrottle } from '../../authn/throttle.ts';
import type { Directory } from '../../directory/contract.ts';
import type { SignInMethod } from '../method.ts';
import { PasswordStep } from './step.ts';
import { PASSWORD_TEMPLATES } from './templates.ts';

// The password, checked against the directory. Users change it where the directory lives (AD,
// LDAP) or with `latch user passwd` for local users, so it has no account page of its own.

export function passwordMethod(deps: {
  directory: Directory;
  throttle: PasswordThrottle;
  knownDevices: KnownDevices;
  failureDelayMs: number;
}): SignInMethod {
  return {
    id: 'password',
    labels: { password: 'password' },
    steps: [new PasswordStep(deps.directory, deps.throttle, deps.knownDevices, deps.failureDelayMs)],
    templates: PASSWORD_TEMPLATES,
  };
}
