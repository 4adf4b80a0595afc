import { z } from 'zod';
import { duration } from './duration.ts';

// Sign-in policy: a global layer, overridden per application, then per group. Later parts of Latch
// add fields here (allowed second factors, passwordless kinds, networks); resolution lives in
// src/authn/policy.ts.

export const policyLayer = z.strictObject({
  /** Whether password sign-in is allowed at all (it is the fallback when nothing else is). */
  password: z.boolean().optional(),
  /** What happens to a user who has no second factor enrolled. */
  newUser: z.enum(['require-enrollment', 'allow', 'deny']).optional(),
  /** "Trust this browser": how long, and whether it covers one application or all of them. */
  rememberDevice: z
    .strictObject({ enabled: z.boolean().optional(), lifetime: duration.optional(), scope: z.enum(['application', 'all']).optional() })
    .optional(),
  /** Deny sign-in to this application (useful per group). */
  deny: z.boolean().optional(),
});

export type PolicyLayer = z.infer<typeof policyLayer>;

export const policyConfig = z.strictObject({
  default: policyLayer,
  /** Overrides per group name, applied in the order listed, after the application's. */
  groups: z.array(policyLayer.extend({ group: z.string().min(1) })),
});
