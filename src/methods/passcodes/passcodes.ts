import type { PasscodesConfig } from '../../config/passcodes.ts';
import type { Store } from '../../store/contract.ts';
import { hmac } from '../../util/random.ts';
import { BypassCodes } from '../bypass-codes/bypass-codes.ts';
import { CodeThrottle } from '../../authn/code-throttle.ts';
import { PasscodeCredentials } from './credentials.ts';
import { PendingApps } from './enrollment.ts';
import { SecretBox } from '../../keys/secret-box.ts';
import { OathTokens } from './tokens.ts';

// Everything passcodes and bypass codes need, built from the store and the server secret; the
// sign-in steps and the command-line tool use the same parts.

export interface Passcodes {
  config: PasscodesConfig;
  credentials: PasscodeCredentials;
  tokens: OathTokens;
  /** Authenticator apps being added from the account page. */
  pendingApps: PendingApps;
  bypassCodes: BypassCodes;
  throttle: CodeThrottle;
  /** MAC key of the enrollment step, derived from the server secret. */
  enrollKey: Buffer;
}

const deriveKey = (serverSecret: Buffer, purpose: string) => Buffer.from(hmac(serverSecret, purpose), 'base64url');

export function createPasscodes(store: Store, serverSecret: Buffer, config: PasscodesConfig): Passcodes {
  const box = new SecretBox(serverSecret);
  const credentials = new PasscodeCredentials(store, box, config);
  return {
    config,
    credentials,
    pendingApps: new PendingApps(store, box, credentials, config.totpSkew),
    tokens: new OathTokens(store, box),
    bypassCodes: new BypassCodes(store, deriveKey(serverSecret, 'latch bypass codes')),
    throttle: new CodeThrottle(store, config.throttle),
    enrollKey: deriveKey(serverSecret, 'latch passcode enrollment'),
  };
}
