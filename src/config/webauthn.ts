import { z } from 'zod';
import { duration } from './duration.ts';

// The `webauthn` section: who Latch is to authenticators (relying party id and name), which page
// origins may answer its ceremonies, how long a ceremony may take, and what a sign counter that
// went backwards means (a cloned authenticator, or a synced passkey that does not count).

export const webauthnConfig = z.strictObject({
  /** The relying party id credentials are scoped to; unset, the hostname of server.baseUrl. */
  rpId: z
    .string()
    .regex(/^[a-z0-9.-]+$/, 'expected a lowercase hostname such as "example.com"')
    .optional(),
  /** Shown by the browser and the authenticator when registering. */
  rpName: z.string().min(1),
  /** Page origins allowed to answer a ceremony; unset, the origin of server.baseUrl. */
  origins: z
    .array(z.url({ protocol: /^https?$/, error: 'expected an origin such as "https://idp.example.com"' }))
    .min(1)
    .optional(),
  /** How long the browser waits for the user to touch the authenticator. */
  timeout: duration,
  /** How long a challenge stays usable (each is used once); keep it a little above `timeout`. */
  challengeLifetime: duration,
  /** A sign counter that did not increase: always logged; "refuse" also refuses the sign-in. */
  signCounterRegression: z.enum(['log', 'refuse']),
});

export type WebAuthnConfig = z.infer<typeof webauthnConfig>;
