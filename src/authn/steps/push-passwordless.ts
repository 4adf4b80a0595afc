import type { Directory } from '../../directory/contract.ts';
import type { KnownDevices } from '../known-device.ts';
import type { Push } from '../push/index.ts';
import { pushView, requestIdOf, sendPush, takeDecision } from './push-common.ts';
import type { Step, StepContext, StepOutcome, StepView } from './step.ts';

// Passwordless push: the user types the username and approves on the phone, which must verify
// the user (biometric or PIN). Only from a browser that carries the known-device cookie for this
// user (it completed password + second factor before). The first passwordless push from a browser
// is verified (a code); the user may then trust the browser, and later pushes skip the code.
// amr: "swk" + "mca" + "user" (the device asserted user verification); one gesture on a second
// device with user verification is multi-factor, so "mfa" too and no second factor follows.

export class PushPasswordlessStep implements Step {
  readonly id = 'push-passwordless';
  readonly stage = 'primary' as const;
  readonly label = 'Approve on your phone';

  constructor(
    private readonly push: Push,
    private readonly knownDevices: KnownDevices,
    private readonly directory: Directory,
  ) {}

  private async device(ctx: StepContext) {
    const login = ctx.tx.login;
    if (!login || !ctx.policy.passwordless.includes('push')) return undefined;
    if (!(await this.knownDevices.isKnownFor(ctx.browser.deviceId, { login }))) return undefined;
    return this.push.devices.forLogin(login);
  }

  async isAvailable(ctx: StepContext): Promise<boolean> {
    return (await this.device(ctx)) !== undefined;
  }

  async view(ctx: StepContext): Promise<StepView> {
    const device = await this.device(ctx);
    if (!device) return { template: 'push-gone', model: {} };
    const trusted = await this.push.trusted.isTrusted(ctx.browser.deviceId, device.userId, device.id);
    const request = requestIdOf(ctx) ? await this.push.requests.get(requestIdOf(ctx)!) : undefined;
    return pushView(this.push, ctx, device, { passwordless: true, offerTrust: !trusted && (request?.code ?? '') !== '' });
  }

  async handle(ctx: StepContext, form: Record<string, string>): Promise<StepOutcome> {
    const device = await this.device(ctx);
    if (!device) return { kind: 'attempted', reason: 'passwordless push is not available from this browser (not known for this user, or no device)' };
    // Without a password the directory has not been asked yet: a disabled account stops here.
    const user = await this.directory.findUserById(device.userId);
    if (!user || user.disabled) {
      return { kind: 'failed', message: user ? 'Your account is disabled.' : 'Your account could not be found.', hint: 'Contact your IT help desk.', reason: user ? 'account disabled in the directory' : `push device belongs to user id ${device.userId}, which the directory no longer has`, result: 'failure' };
    }
    const trusted = await this.push.trusted.isTrusted(ctx.browser.deviceId, device.userId, device.id);
    if (form.push === 'send') return sendPush(this.push, ctx, device, { purpose: 'passwordless', withCode: !trusted, userVerificationRequired: true });
    const decision = await takeDecision(this.push, ctx);
    if (!decision.ok) return decision.outcome;
    const { request } = decision;
    if (request.purpose !== 'passwordless' || !request.userVerified) return { kind: 'challenge', message: 'Your phone did not verify you. Send another push.', reason: 'approval without user verification', result: 'failure' };
    let reason = `passwordless push approved on ${device.name} with user verification${request.code ? ' and the verification code' : ' (trusted browser)'}`;
    if (form.trust === 'yes' && request.code && ctx.browser.deviceId) {
      await this.push.trusted.trust(ctx.browser.deviceId, user.id, device.id);
      reason += '; the user trusted this browser for passwordless push';
    }
    return { kind: 'success', user, login: user.username, method: 'push-passwordless', amr: ['swk', 'mca', 'user'], passwordless: 'push', reason };
  }
}
