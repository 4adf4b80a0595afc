import type { Authenticator } from '../methods/method.ts';

// "A passkey on one device must not be a user's only way in": when everything a user can sign in
// with lives on one device (one factor, or passkeys all made in one browser), losing that device
// locks them out until the help desk steps in. The account page says so and suggests a second one.

/** The warning for the account page, or undefined when the user has ways in on more than one device. */
export function oneDeviceWarning(factors: Array<Pick<Authenticator, 'kind' | 'name' | 'device'>>): string | undefined {
  if (factors.length === 0) return undefined;
  const devices = new Set(factors.map((f, i) => f.device ?? `factor-${i}`));
  if (devices.size > 1) return undefined;
  const what =
    factors.length === 1
      ? `Your only way to sign in besides your password is ${factors[0]!.name} (${factors[0]!.kind.toLowerCase()})`
      : 'All your ways to sign in besides your password are on one device';
  return `${what}. If it is lost or breaks, you can't sign in without your IT help desk. Add a second one now: a security key, the Latch Authenticator on your phone, or an authenticator app.`;
}
