import type { Directory, DirectoryUser } from '../../directory/contract.ts';
import type { KnownDevices } from '../../authn/known-device.ts';
import type { Push, PushDevice } from './push.ts';
import { pushView, requestIdOf, sendPush, takeDecision } from './step-common.ts';
import type { AnonymousStep, StepContext, StepOutcome, StepView } from '../../authn/step.ts';

// Passwordless push: the user types the username and approves on the phone, which must verify
// the user (biometric or PIN). Only from a browser that carries the known-device cookie for this
// user (it completed password + second factor before). The first passwordless push from a browser
// is verified (a code); the user may then trust the browser, and later pushes skip the code.
// amr: "swk" + "mca" + "user" (the device asserted user verification); one gesture on a second
// device with user verification is multi-factor, so "mfa" too and no second factor follows.

export class PushPasswordlessStep implements AnonymousStep {
  readonly id = 'push-passwordless';
  readonly requiresUser = false;
  /** Only in a browser where this user completed a second factor before: the phone comes first there. */
  readonly order = 10;
  readonly stage = 'primary' as const;
  readonly label = 'Approve on your phone';

  constructor(
    private readonly push: Push,
    private readonly knownDevices: KnownDevices,
    private readonly directory: Directory,
  ) {}

  /**
   * The phone to push to: only for a browser known for this login, and only when the policy for
   * the device's user (with their groups, which the typed login alone does not give) allows
   * passwordless push.
   */
  private async phone(ctx: StepContext): Promise<{ device: PushDevice; user: DirectoryUser } | undefined> {
    const login = ctx.tx.login;
    if (!login) return undefined;
    if (!(await this.knownDevices.isKnownFor(ctx.browser.deviceId, { login }))) return undefined;
    const device = await this.push.devices.forLogin(login);
    const user = device && (await this.directory.findUserById(device.userId));
    if (!device || !user || !ctx.policyFor(user).passwordless.includes('push')) return undefined;
    return { device, user };
  }

  async isAvailable(ctx: StepContext): Promise<boolean> {
    return (await this.phone(ctx)) !== undefined;
  }

  /** Only a browser with a known-device cookie can be known for a login; a new browser cannot. */
  async mayApplyBeforeUsername(ctx: StepContext): Promise<boolean> {
    return ctx.browser.deviceId !== undefined;
  }

  async view(ctx: StepContext): Promise<StepView> {
    const device = (await this.phone(ctx))?.device;
    if (!device) return { template: 'push-gone', model: {} };
    const trusted = await this.push.trusted.isTrusted(ctx.browser.deviceId, device.userId, device.id);
    const request = requestIdOf(ctx) ? await this.push.requests.get(requestIdOf(ctx)!) : undefined;
    return pushView(this.push, ctx, device, {
      passwordless: true,
      offerTrust: !trusted && (request?.code ?? '') !== '',
    });
  }

  async handle(ctx: StepContext, form: Record<string, string>): Promise<StepOutcome> {
    const phone = await this.phone(ctx);
    if (!phone)
      return {
        kind: 'attempted',
        reason:
          'passwordless push is not available here (browser not known for this user, no device, or not allowed by policy)',
      };
    const { device, user } = phone;
    // Without a password the directory has not been asked yet: a disabled account stops here.
    if (user.disabled) {
      return {
        kind: 'failed',
        message: 'Your account is disabled.',
        hint: 'Contact your IT help desk.',
        reason: 'account disabled in the directory',
        result: 'failure',
      };
    }
    const trusted = await this.push.trusted.isTrusted(ctx.browser.deviceId, device.userId, device.id);
    if (form.push === 'send')
      return sendPush(this.push, ctx, device, {
        purpose: 'passwordless',
        withCode: !trusted,
        userVerificationRequired: true,
      });
    const decision = await takeDecision(this.push, ctx);
    if (!decision.ok) return decision.outcome;
    const { request } = decision;
    if (request.purpose !== 'passwordless' || !request.userVerified)
      return {
        kind: 'challenge',
        message: 'Your phone did not verify you. Send another push.',
        reason: 'approval without user verification',
        result: 'failure',
      };
    let reason = `passwordless push approved on ${device.name} with user verification${request.code ? ' and the verification code' : ' (trusted browser)'}`;
    if (form.trust === 'yes' && request.code && ctx.browser.deviceId) {
      await this.push.trusted.trust(ctx.browser.deviceId, user.id, device.id);
      reason += '; the user trusted this browser for passwordless push';
    }
    return {
      kind: 'success',
      user,
      login: user.username,
      method: 'push-passwordless',
      amr: ['swk', 'mca', 'user'],
      passwordless: 'push',
      authenticator: { id: device.id, name: device.name },
      reason,
    };
  }
}
