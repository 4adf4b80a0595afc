import type { Store } from '../../store/contract.ts';
import { records } from '../../store/records.ts';
import { randomId } from '../../util/random.ts';
import type { PasscodeCredentials } from './credentials.ts';
import { APP_DIGITS, APP_PERIOD_SECONDS, findCounter, newSecret, otpauthUri, timeStep } from './otp.ts';
import type { SecretBox } from '../../keys/secret-box.ts';

// Adding an authenticator app, wherever it happens (inline at sign-in, or on the account page):
// the otpauth:// URI its QR code carries, and the check of the first code the app shows.
// Apps get the RFC 6238 defaults that every app supports (otp.ts: APP_DIGITS, APP_PERIOD_SECONDS).

export function appEnrollmentUri(issuer: string, username: string, secret: string): string {
  return otpauthUri({ issuer, account: username, secret, digits: APP_DIGITS, periodSeconds: APP_PERIOD_SECONDS });
}

/** The time step of `code` when the app computes it from `secret` (within `skew` steps of now). */
export function confirmAppCode(secret: string, code: string, skew: number, now = Date.now()): number | undefined {
  const step = timeStep(now, APP_PERIOD_SECONDS);
  return findCounter({ secret, algorithm: 'SHA1', digits: APP_DIGITS }, code, step - skew, step + skew);
}

const PENDING_MS = 10 * 60_000;
/** The sealed secret of an app being added; its key is also the seal's associated data. */
const pendingApps = records.pendingApp.holding<string>();

export type AppConfirmation = { ok: true; id: string; replaced: number } | { ok: false; reason: 'wrong' | 'expired' };

/**
 * Adding or replacing an authenticator app from a signed-in session (the account page): a new
 * random secret waits, sealed, for ten minutes under the session's id; the first correct code
 * saves it as the user's app and removes the apps it replaces.
 */
export class PendingApps {
  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly credentials: PasscodeCredentials,
    private readonly totpSkew: number,
  ) {}

  /** Starts (or restarts) an enrollment for `holder` (a session id); returns the new secret. */
  async start(holder: string): Promise<string> {
    const secret = newSecret();
    await pendingApps.set(this.store, holder, this.box.seal(secret, pendingApps.key(holder)), { ttlMs: PENDING_MS });
    return secret;
  }

  async secret(holder: string): Promise<string | undefined> {
    const sealed = await pendingApps.get(this.store, holder);
    return sealed === undefined ? undefined : this.box.open(sealed, pendingApps.key(holder));
  }

  async confirm(holder: string, userId: string, code: string): Promise<AppConfirmation> {
    const secret = await this.secret(holder);
    if (secret === undefined) return { ok: false, reason: 'expired' };
    const step = confirmAppCode(secret, code, this.totpSkew);
    if (step === undefined) return { ok: false, reason: 'wrong' };
    // Taking the pending secret makes the confirmation single use, even from two tabs.
    if ((await pendingApps.take(this.store, holder)) === undefined) return { ok: false, reason: 'expired' };
    const others = (await this.credentials.listForUser(userId)).filter((c) => c.source === 'app');
    const id = `app-${randomId(16)}`;
    await this.credentials.addApp(userId, id, secret, step);
    for (const old of others) await this.credentials.remove(userId, old.id);
    return { ok: true, id, replaced: others.length };
  }

  async cancel(holder: string): Promise<void> {
    await pendingApps.delete(this.store, holder);
  }
}
