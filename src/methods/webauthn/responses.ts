import { z } from 'zod';

// What the browser posts back from a ceremony, checked for shape before anything else reads it.
// The prompt's script puts the JSON of @simplewebauthn/browser's result in a hidden form field.

const b64url = z
  .string()
  .regex(/^[A-Za-z0-9_-]*$/)
  .max(16_384);

const common = {
  id: b64url.min(1).max(1400),
  rawId: b64url.min(1).max(1400),
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z
    .looseObject({ credProps: z.looseObject({ rk: z.boolean().optional() }).optional() })
    .default({}),
};

export const registrationResponse = z.looseObject({
  ...common,
  response: z.looseObject({
    clientDataJSON: b64url,
    attestationObject: b64url,
    transports: z.array(z.string().max(32)).max(10).optional(),
  }),
});

export const authenticationResponse = z.looseObject({
  ...common,
  response: z.looseObject({
    clientDataJSON: b64url,
    authenticatorData: b64url,
    signature: b64url,
    userHandle: b64url.optional(),
  }),
});

export type RegistrationResponse = z.infer<typeof registrationResponse>;
export type AuthenticationResponse = z.infer<typeof authenticationResponse>;

/** Parses the posted JSON; undefined when it is not JSON or not the expected shape. */
export function parseResponse<T>(schema: z.ZodType<T>, text: string | undefined): T | undefined {
  if (!text || text.length > 64_000) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The challenge the browser signed, read from clientDataJSON (verified against the store later). */
export function challengeOf(clientDataJSON: string): string | undefined {
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof data.challenge === 'string' ? data.challenge : undefined;
  } catch {
    return undefined;
  }
}
