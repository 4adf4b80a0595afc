import { z } from 'zod';
import { duration } from './duration.ts';
import { conditionKeys } from './conditions.ts';

// Sign-in policy: a global layer, overridden per application, then per group. Later parts of Latch
// add fields here (allowed second factors, passwordless kinds, networks); resolution lives in
// src/authn/policy.ts.

/** Second-factor methods, by the kind policy names: passcodes (TOTP app or OATH token), WebAuthn, admin bypass codes, push. */
export const SECOND_FACTOR_KINDS = ['passcode', 'webauthn', 'bypass-code', 'push'] as const;
export type SecondFactorKind = (typeof SECOND_FACTOR_KINDS)[number];

/** Passwordless authenticators: platform (built into the device), roaming (security key), push (phone). */
export const PASSWORDLESS_KINDS = ['platform', 'roaming', 'push'] as const;
export type PasswordlessKind = (typeof PASSWORDLESS_KINDS)[number];

export const policyLayer = z.strictObject({
  /** Whether password sign-in is allowed at all (it is the fallback when nothing else is). */
  password: z.boolean().optional(),
  /** Second factors a user may complete (and enroll). Default: all of them. */
  secondFactors: z.array(z.enum(SECOND_FACTOR_KINDS)).optional(),
  /** Passwordless authenticators a user may register and sign in with; [] turns passwordless off. */
  passwordless: z.array(z.enum(PASSWORDLESS_KINDS)).optional(),
  /** What happens to a user who has no second factor enrolled. */
  newUser: z.enum(['require-enrollment', 'allow', 'deny']).optional(),
  /** "Trust this browser": how long, and whether it covers one application or all of them. */
  rememberDevice: z
    .strictObject({
      enabled: z.boolean().optional(),
      lifetime: duration.optional(),
      scope: z.enum(['application', 'all']).optional(),
    })
    .optional(),
  /** Deny sign-in to this application (useful per group). */
  deny: z.boolean().optional(),
  /** Send the push as soon as the password is accepted, for users whose first second factor is the phone. */
  autoPush: z.boolean().optional(),
  ...conditionKeys,
});

export type PolicyLayer = z.infer<typeof policyLayer>;

/** A layer for the members of one group. */
export const groupLayer = policyLayer.extend({ group: z.string().min(1) });
export type GroupLayer = z.infer<typeof groupLayer>;

/**
 * An application's layer (SAML SP, OIDC client, `applications.<id>.policy`): its own keys, and
 * `groups` for its pilot groups, applied after every other layer, in the order listed.
 */
export const appPolicyLayer = policyLayer.extend({ groups: z.array(groupLayer).optional() });
export type AppPolicyLayer = z.infer<typeof appPolicyLayer>;

export const policyConfig = z.strictObject({
  default: policyLayer,
  /** Overrides per group name, applied in the order listed, after the application's. */
  groups: z.array(groupLayer),
});
