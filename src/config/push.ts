import { isIP } from 'node:net';
import { z } from 'zod';
import { duration } from './duration.ts';

// Push to the Latch Authenticator (src/authn/push/): how long a push and an activation link live,
// the verification code, what a fraud report does, and Web Push (VAPID).

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A DNS name (not an IP address, not a URL): the push service's host and its subdomains. */
const pushHost = z
  .string()
  .transform((name) => name.toLowerCase().replace(/\.$/, ''))
  .refine((name) => !isIP(name) && DNS_NAME.test(name), {
    error: 'expected a host name such as fcm.googleapis.com (a name and its subdomains), not an IP address or URL',
  });

const limit = z.strictObject({ maxFailures: z.number().int().min(1), window: duration });

export const pushConfig = z.strictObject({
  /** A push the user has not answered is refused after this long. */
  requestLifetime: duration,
  /** Digits of the code the browser shows and the user types into the authenticator: 3 or 6. */
  codeLength: z.union([z.literal(3), z.literal(6)]),
  /** How long a one-time activation link (QR code) stays usable. */
  activationLifetime: duration,
  /** After "report as fraud", no push reaches that user for this long; 0s turns the pause off. */
  fraudPause: duration,
  /** Wrong codes typed on the phone, per user, before pushes are refused for the window. */
  wrongCodes: limit,
  /** Pushes sent to one user before more are refused for the window (against "push bombing"). */
  sendLimit: z.strictObject({ maxPushes: z.number().int().min(1), window: duration }),
  /** How long a waiting browser or authenticator request is held open before it asks again. */
  longPollTimeout: duration,
  /** Allowed difference between the authenticator's clock and ours for signed requests. */
  clockSkew: duration,
  webPush: z.strictObject({
    enabled: z.boolean(),
    /** VAPID "sub": a mailto: or https: contact for the push services. */
    subject: z.string().regex(/^(mailto:|https:)/, 'expected a mailto: or https: URL'),
    /**
     * Push services a device may register (each name with its subdomains). Whatever is listed,
     * Latch never connects to a loopback, private, link-local or other non-public address.
     */
    allowedHosts: z.array(pushHost),
  }),
});

export type PushConfig = z.infer<typeof pushConfig>;
