import type { Store } from '../../store/contract.ts';
import { records } from '../../store/records.ts';
import type { RegistrationMode, WebAuthnCeremonies } from './ceremonies.ts';
import type { StoredCredential } from './credentials.ts';
import { deviceName } from './device-name.ts';
import { RESPONSE_FIELD, browserError } from './form.ts';
import { allowedPasswordlessKinds } from './passwordless.ts';
import type { StepContext, StepOutcome, StepView, UserStep, UserStepContext } from '../../authn/step.ts';

// "Sign in faster": after a password and a second factor, a user with no passkey usable in this
// browser (one on another laptop does not count) that policy allows is offered to register one (discoverable, user verification required, of an allowed
// kind). "Skip for now" hides the offer in this browser for this user for a week.

export const SKIP_DAYS = 7;
const skipped = records.passkeyOfferSkipped.holding<true>();

export class PasskeyOfferStep implements UserStep {
  readonly id = 'passkey-offer';
  readonly requiresUser = true;
  readonly order = 10;
  readonly stage = 'offer' as const;
  readonly label = 'Sign in faster';

  constructor(
    private readonly ceremonies: WebAuthnCeremonies,
    private readonly store: Store,
  ) {}

  private mode(ctx: StepContext): RegistrationMode {
    return {
      residentKey: 'required',
      userVerification: 'required',
      allowedKinds: allowedPasswordlessKinds(ctx.policy.passwordless),
      passkey: true,
    };
  }

  /**
   * Offered in every browser that has no usable passkey of the user's: a security-key passkey
   * goes wherever the key goes, a passkey on a device works only in the browsers it was made or
   * used in. A policy that allows only passkeys on the device offers one only where the browser
   * reports a user-verifying platform authenticator.
   */
  async isAvailable(ctx: UserStepContext): Promise<boolean> {
    const {
      user,
      tx: { methods, amr },
      browser,
    } = ctx;
    if (user.disabled || !methods.includes('password') || !amr.includes('mfa')) return false;
    const kinds = allowedPasswordlessKinds(ctx.policy.passwordless);
    if (kinds.length === 0) return false;
    if (kinds.every((k) => k === 'platform') && browser.platformAuthenticator !== true) return false;
    if (
      browser.deviceId &&
      (await skipped.get(this.store, { deviceId: browser.deviceId, userId: user.id })) !== undefined
    )
      return false;
    const credentials = await this.ceremonies.credentials.list(user.id);
    const usableHere = (c: StoredCredential) =>
      c.passwordless &&
      kinds.includes(c.kind) &&
      (c.kind === 'roaming' || (browser.deviceId !== undefined && (c.browsers ?? []).includes(browser.deviceId)));
    return !credentials.some(usableHere);
  }

  async view(ctx: UserStepContext): Promise<StepView> {
    const { user } = ctx;
    const mode = this.mode(ctx);
    const options = await this.ceremonies.registrationOptions(
      { owner: `tx:${ctx.tx.id}`, purpose: 'offer', userId: user.id },
      user,
      mode,
    );
    const only = mode.allowedKinds.length === 1 ? mode.allowedKinds[0] : undefined;
    return {
      template: 'webauthn-register',
      model: {
        username: user.username,
        purpose: 'offer',
        options: JSON.stringify(options),
        // Most passkeys live in the device; a security key gets its own default if left as is.
        name:
          only === 'roaming'
            ? deviceName(ctx.browser.userAgent, 'roaming')
            : deviceName(ctx.browser.userAgent, 'platform'),
        kind: only ?? 'any',
      },
    };
  }

  async handle(ctx: UserStepContext, form: Record<string, string>): Promise<StepOutcome> {
    const { user } = ctx;
    if (form.skip === 'yes') return this.skip(ctx, 'the user chose "Skip for now"');
    const error = browserError(form);
    if (error === 'unsupported') return this.skip(ctx, 'the browser cannot register a passkey');
    if (error)
      return {
        kind: 'challenge',
        message: 'Nothing was registered (it was cancelled or timed out). Try again, or choose Skip for now.',
        reason: 'the browser reported no response (cancelled or timed out)',
      };
    const registered = await this.ceremonies.register(
      { owner: `tx:${ctx.tx.id}`, purpose: 'offer', userId: user.id },
      form[RESPONSE_FIELD],
      this.mode(ctx),
      {
        name: form.name,
        userAgent: ctx.browser.userAgent,
        username: user.username,
        deviceId: ctx.browser.deviceId,
      },
    );
    if (!registered.ok)
      return { kind: 'challenge', message: registered.message, reason: registered.reason, result: 'failure' };
    const { credential } = registered;
    return { kind: 'success', reason: `registered passkey "${credential.name}" (${credential.kind})` };
  }

  private async skip(ctx: UserStepContext, reason: string): Promise<StepOutcome> {
    if (ctx.browser.deviceId)
      await skipped.set(this.store, { deviceId: ctx.browser.deviceId, userId: ctx.user.id }, true, {
        ttlMs: SKIP_DAYS * 86_400_000,
      });
    return { kind: 'success', reason: `${reason}; not offered again in this browser for ${SKIP_DAYS} days` };
  }
}
