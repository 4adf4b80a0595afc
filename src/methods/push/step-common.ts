import type { Json } from '../../store/contract.ts';
import { minutes } from '../../util/words.ts';
import type { Push, PushDevice, PushRequest } from './push.ts';
import { isExpired } from './requests.ts';
import type { StepContext, StepOutcome, StepView } from '../../authn/step.ts';

// What the two push steps (second factor and passwordless) share: sending the push from the
// page's "Send" button, showing its state, and reading the decision when the page continues.
// The pending request's id is kept in the transaction (stepData), so only this sign-in can use it.

export type PushStepData = { requestId: string };

export function requestIdOf(ctx: StepContext): string | undefined {
  return requestIdIn(ctx.tx.stepData);
}

/** The pending push id kept in a transaction's stepData. */
export function requestIdIn(data: Json | undefined): string | undefined {
  return data && typeof data === 'object' && !Array.isArray(data) && typeof data.requestId === 'string'
    ? data.requestId
    : undefined;
}

export type PushViewState =
  'ready' | 'pending' | 'approved' | 'denied' | 'wrong-code' | 'expired' | 'fraud' | 'cancelled';

export async function pushView(
  push: Push,
  ctx: StepContext,
  device: PushDevice,
  extra: Record<string, string | boolean>,
): Promise<StepView> {
  const id = requestIdOf(ctx);
  const request = id ? await push.requests.get(id) : undefined;
  const state: PushViewState =
    !request || request.txId !== ctx.tx.id
      ? 'ready'
      : isExpired(request)
        ? 'expired'
        : request.state === 'denied' && request.reason === 'wrong-code'
          ? 'wrong-code'
          : request.state === 'used'
            ? 'approved'
            : request.state;
  return {
    template: 'push',
    model: {
      username: ctx.tx.login ?? device.username,
      deviceName: device.name,
      state,
      code: state === 'pending' ? request?.code : undefined,
      requestId: request?.id,
      expiresAt: request?.expiresAt,
      lifetimeSeconds: Math.round(push.config.requestLifetime / 1000),
      ...extra,
    },
  };
}

export async function sendPush(
  push: Push,
  ctx: StepContext,
  device: PushDevice,
  options: { purpose: PushRequest['purpose']; withCode: boolean; userVerificationRequired: boolean },
): Promise<StepOutcome> {
  const sent = await push.requests.send(device, {
    txId: ctx.tx.id,
    app: ctx.tx.request.app.name,
    ip: ctx.browser.ip,
    browser: ctx.browser.userAgent,
    ...options,
  });
  if (!sent.ok) {
    const wait = minutes(sent.retryAfterMs);
    const message = {
      paused: `Push to your phone is paused because a sign-in was reported as fraud. Try again in ${wait} or choose another way to sign in.`,
      'too-many-wrong-codes': `Too many wrong codes were typed on your phone. Wait ${wait} or choose another way to sign in.`,
      'too-many-pushes': `Too many pushes were sent to your phone. Wait ${wait} or choose another way to sign in.`,
    }[sent.reason];
    return {
      kind: 'challenge',
      result: sent.reason === 'paused' ? 'paused' : 'throttled',
      message,
      reason: `push refused: ${sent.reason}`,
    };
  }
  return {
    kind: 'challenge',
    result: 'sent',
    stepData: { requestId: sent.request.id },
    reason: `push sent to ${device.name} (${device.platform})${options.withCode ? ' with a verification code' : ' without a code (trusted browser)'}`,
  };
}

/** Reads the decision for this transaction's push: the approval (used once) or why not. */
export async function takeDecision(
  push: Push,
  ctx: StepContext,
): Promise<{ ok: true; request: PushRequest } | { ok: false; outcome: StepOutcome }> {
  const id = requestIdOf(ctx);
  const request = id ? await push.requests.get(id) : undefined;
  const challenge = (message: string, reason: string, result = 'failure'): { ok: false; outcome: StepOutcome } => ({
    ok: false,
    outcome: { kind: 'challenge', message, reason, result },
  });
  if (!id || !request || request.txId !== ctx.tx.id)
    return challenge('Send a push to your phone first.', 'continue without a push');
  if (isExpired(request))
    return challenge('The push expired before it was approved. Send another.', 'push expired unanswered');
  switch (request.state) {
    case 'pending':
      return challenge(
        'Not approved yet. Approve the sign-in on your phone, then continue.',
        'continue while the push is pending',
        'pending',
      );
    case 'cancelled':
      return challenge('That push was replaced by a newer one. Send another.', 'push was replaced');
    case 'denied':
      return request.reason === 'wrong-code'
        ? challenge(
            'The code typed on your phone did not match. Send another push and type the code shown here.',
            'wrong verification code typed on the phone',
          )
        : challenge('The sign-in was denied on your phone.', 'push denied on the phone', 'denied');
    case 'fraud':
      return {
        ok: false,
        outcome: {
          kind: 'failed',
          message: 'You reported this sign-in as fraud, so it was stopped.',
          hint: 'If it was you after all, start again. If not, tell your IT help desk and change your password.',
          reason: 'push reported as fraud',
          result: 'fraud',
        },
      };
    case 'used':
    case 'approved': {
      const used = await push.requests.consume(request.id, ctx.tx.id);
      if (!used) return challenge('That approval was already used. Send another push.', 'approval already used');
      return { ok: true, request: used };
    }
  }
}
