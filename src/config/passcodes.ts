import { z } from 'zod';
import { duration } from './duration.ts';

// The `passcodes` section: one-time passcodes from authenticator apps (TOTP) and hardware OATH
// tokens (HOTP and TOTP), and the limit on wrong codes that bypass codes share with them.

export const passcodesConfig = z
  .strictObject({
    /** The name authenticator apps show beside the account ("Latch: alice"). */
    issuer: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[^:]+$/, 'expected a name without ":"'),
    /** TOTP codes from this many time steps before or after now are accepted (clock skew). */
    totpSkew: z.number().int().min(0).max(10),
    /** HOTP: how many codes a token may be ahead of Latch (button presses whose code was not used). */
    hotpLookAhead: z.number().int().min(1).max(100),
    /** HOTP: a code further ahead than hotpLookAhead but within this many asks for the next code, then resynchronizes. */
    hotpResyncWindow: z.number().int().min(1).max(100_000),
    /** Wrong passcodes and bypass codes per user before further attempts wait for the window to end. */
    throttle: z.strictObject({ maxFailures: z.number().int().min(1), window: duration }),
  })
  .refine((c) => c.hotpResyncWindow > c.hotpLookAhead, {
    path: ['hotpResyncWindow'],
    message: 'expected a number larger than passcodes.hotpLookAhead',
  });

export type PasscodesConfig = z.infer<typeof passcodesConfig>;
