import { z } from 'zod';
import { duration } from './duration.ts';

// The `authApi` section: the Auth API v2 (SSH, PAM and console logon clients) and the Universal
// Prompt (web applications that keep their own password). Integrations themselves live in the
// store (`latch integrations add`), so that every node sees them.

export const authApiConfig = z.strictObject({
  /** Signed requests whose date is further than this from Latch's clock are refused (40105). */
  clockSkew: duration.refine((ms) => ms >= 30_000 && ms <= 3_600_000, 'expected between 30s and 1h'),
  /** How long one auth_status call waits for the phone before answering "waiting" (a synchronous auth waits until the push expires). */
  longPollTimeout: duration.refine((ms) => ms >= 1000 && ms <= 120_000, 'expected between 1s and 2m'),
});

export type AuthApiConfig = z.infer<typeof authApiConfig>;
