import { randomInt } from 'node:crypto';
import type { PushConfig } from '../../config/push.ts';
import type { Store } from '../../store/contract.ts';
import { records } from '../../store/records.ts';
import { LatchError } from '../../util/errors.ts';
import { randomId, safeEqual } from '../../util/random.ts';
import type { AuthLog } from '../../authn/auth-log.ts';
import type { PushBus } from './bus.ts';
import type { PushDevice } from './devices.ts';
import type { PushNotifier } from './notify.ts';
import type { DecisionBody, PendingPush } from './protocol.ts';
import { verifyDecision } from './signature.ts';

// Push requests: what the phone is asked to approve. At most one is pending per device (a new one
// cancels the old); a decision is signed by the device, checked, and applied once with
// compare-and-set; the browser that waits is woken on whichever node it waits.

/** A random request id that does not start with "-", so `latch-authenticator approve --request ID` reads it as a value. */
export function commandLineSafeId(): string {
  for (;;) {
    const id = randomId(16);
    if (!id.startsWith('-')) return id;
  }
}

export type PushState = 'pending' | 'approved' | 'denied' | 'fraud' | 'cancelled' | 'used';

export type PushRequest = {
  id: string;
  userId: string;
  username: string;
  deviceId: string;
  /** The login transaction that asked, so only that sign-in can use the approval. */
  txId: string;
  purpose: 'second-factor' | 'passwordless';
  app: string;
  time: number;
  ip: string;
  browser: string;
  /** The code the browser shows; '' when none is asked for. Never logged. */
  code: string;
  userVerificationRequired: boolean;
  expiresAt: number;
  state: PushState;
  /** Why it was denied: "wrong-code", "denied", "fraud", "replaced". */
  reason: string;
  userVerified: boolean;
  /** From a logon client (the Auth API's pushinfo), shown on the phone. */
  details?: Array<{ name: string; value: string }>;
};

export type SendInput = Pick<
  PushRequest,
  'txId' | 'purpose' | 'app' | 'ip' | 'browser' | 'userVerificationRequired' | 'details'
> & {
  withCode: boolean;
  /** Says who asks when it is not a browser ("login_duo on web1"); the user agent is summarised otherwise. */
  client?: string;
};
export type PushRefusal = 'paused' | 'too-many-wrong-codes' | 'too-many-pushes';
export type SendResult = { ok: true; request: PushRequest } | { ok: false; reason: PushRefusal; retryAfterMs: number };
/** A refusal is the device API's answer as it stands: status, code, the words for the phone, the reason for the log. */
export type DecideResult = { ok: true; state: PushState; message: string } | { ok: false; error: LatchError };

const requestRecords = records.pushRequest.holding<PushRequest>();
/** The id of the request waiting for a device. */
const pendingOfDevice = records.pushPending.holding<string>();
const paused = records.pushPaused.holding<true>();
/** Decided requests stay readable this long after they expire, for the waiting browser. */
const KEEP_MS = 10 * 60_000;

export function isExpired(request: PushRequest, now = Date.now()): boolean {
  return request.state === 'pending' && request.expiresAt <= now;
}

/** Browser, summarised from a user agent: enough for a person to recognise it. */
export function summariseUserAgent(ua: string): string {
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : /curl|node|undici/i.test(ua)
            ? 'a program'
            : 'a browser';
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /Android/.test(ua)
      ? 'Android'
      : /iPhone|iPad/.test(ua)
        ? 'iOS'
        : /Mac OS X/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return os ? `${browser} on ${os}` : browser;
}

export class PushRequests {
  constructor(
    private readonly store: Store,
    private readonly bus: PushBus,
    private readonly config: PushConfig,
    private readonly authLog: AuthLog,
    private readonly notifiers: PushNotifier[],
  ) {}

  async get(id: string): Promise<PushRequest | undefined> {
    return /^[A-Za-z0-9_-]{22}$/.test(id) ? requestRecords.get(this.store, id) : undefined;
  }

  /** Why push to this user is refused now, if it is. */
  async blocked(userId: string): Promise<{ reason: PushRefusal; retryAfterMs: number } | undefined> {
    const pausedFor = await paused.ttl(this.store, userId);
    if (pausedFor !== undefined) return { reason: 'paused', retryAfterMs: pausedFor };
    const wrong = (await records.pushWrongCodes.get(this.store, userId)) ?? 0;
    if (wrong >= this.config.wrongCodes.maxFailures) {
      return {
        reason: 'too-many-wrong-codes',
        retryAfterMs: (await records.pushWrongCodes.ttl(this.store, userId)) ?? this.config.wrongCodes.window,
      };
    }
    return undefined;
  }

  /**
   * Digits of the code the browser shows. A passwordless push has no password before it, so its
   * code is the only thing that ties the phone's approval to this browser: always six digits (one
   * guess in a million); a second-factor push follows a password and keeps push.codeLength.
   */
  private codeLength(purpose: PushRequest['purpose']): number {
    return purpose === 'passwordless' ? 6 : this.config.codeLength;
  }

  async send(device: PushDevice, input: SendInput): Promise<SendResult> {
    const blocked = await this.blocked(device.userId);
    if (blocked) return { ok: false, ...blocked };
    const { maxPushes, window } = this.config.sendLimit;
    if ((await records.pushesSent.increment(this.store, device.userId, 1, { ttlMs: window })) > maxPushes) {
      return {
        ok: false,
        reason: 'too-many-pushes',
        retryAfterMs: (await records.pushesSent.ttl(this.store, device.userId)) ?? window,
      };
    }
    const now = Date.now();
    const request: PushRequest = {
      id: commandLineSafeId(),
      userId: device.userId,
      username: device.username,
      deviceId: device.id,
      txId: input.txId,
      purpose: input.purpose,
      app: input.app,
      time: now,
      ip: input.ip,
      browser: input.client ?? summariseUserAgent(input.browser),
      code: input.withCode ? newCode(this.codeLength(input.purpose)) : '',
      userVerificationRequired: input.userVerificationRequired,
      expiresAt: now + this.config.requestLifetime,
      state: 'pending',
      reason: '',
      userVerified: false,
      ...(input.details ? { details: input.details } : {}),
    };
    await requestRecords.set(this.store, request.id, request, { ttlMs: this.config.requestLifetime + KEEP_MS });
    const previous = await pendingOfDevice.get(this.store, device.id);
    await pendingOfDevice.set(this.store, device.id, request.id, { ttlMs: this.config.requestLifetime });
    if (previous)
      await this.transition(previous, (r) =>
        r.state === 'pending' ? { ...r, state: 'cancelled', reason: 'replaced' } : undefined,
      );
    await this.bus.notify('push-devices', device.id);
    // Not awaited: a slow push service must not hold up the browser that asked.
    for (const notifier of this.notifiers) void notifier.notify(device, toPending(request));
    return { ok: true, request };
  }

  /** The push waiting for this device, if any. */
  async pendingFor(deviceId: string): Promise<PendingPush | undefined> {
    const id = await pendingOfDevice.get(this.store, deviceId);
    const request = id ? await this.get(id) : undefined;
    if (!request || request.state !== 'pending' || isExpired(request)) return undefined;
    return toPending(request);
  }

  /** Long-polls for a pending push for the device. */
  waitForPending(deviceId: string, timeoutMs: number, signal?: AbortSignal): Promise<PendingPush | undefined> {
    return this.bus.waitFor('push-devices', deviceId, timeoutMs, () => this.pendingFor(deviceId), signal);
  }

  /** Long-polls until the request is decided (or expires). */
  async waitForDecision(id: string, timeoutMs: number, signal?: AbortSignal): Promise<PushRequest | undefined> {
    // Expiry is not announced: wake up when the request expires, too.
    const request = await this.get(id);
    const untilExpiry = request ? request.expiresAt - Date.now() + 50 : 0;
    return this.bus.waitFor(
      'push-decisions',
      id,
      Math.max(0, Math.min(timeoutMs, untilExpiry)),
      async () => {
        const request = await this.get(id);
        return !request || request.state !== 'pending' || isExpired(request) ? request : undefined;
      },
      signal,
    );
  }

  /** Applies a signed decision from `device`. Every refusal leaves the request as it was. */
  async decide(device: PushDevice, id: string, body: DecisionBody): Promise<DecideResult> {
    const refuse = (status: number, code: string, publicMessage: string, detail: string): DecideResult => ({
      ok: false,
      error: new LatchError({ status, code, publicMessage, detail }),
    });
    const request = await this.get(id);
    if (!request || request.deviceId !== device.id)
      return refuse(
        404,
        'unknown_request',
        'There is no such sign-in request for this device.',
        request ? 'the request belongs to another device' : 'unknown request id',
      );
    if (!verifyDecision(device, id, body.answer, body.code, body.userVerified, body.signature))
      return refuse(400, 'bad_signature', 'The decision was not signed by this device.', 'bad decision signature');
    if (request.state !== 'pending')
      return refuse(
        409,
        'already_answered',
        'This sign-in request was already answered.',
        `replayed decision (request is ${request.state})`,
      );
    if (isExpired(request))
      return refuse(
        410,
        'expired',
        'This sign-in request has expired. Start the sign-in again.',
        'decision after the request expired',
      );
    if (body.answer === 'approve' && request.userVerificationRequired && !body.userVerified) {
      return refuse(
        400,
        'user_verification_required',
        'This sign-in needs you to unlock the authenticator (biometric or PIN) before approving.',
        'approval without user verification',
      );
    }
    const wrongCode = body.answer === 'approve' && request.code !== '' && !safeEqual(body.code, request.code);
    const state: PushState =
      body.answer === 'approve' && !wrongCode ? 'approved' : body.answer === 'fraud' ? 'fraud' : 'denied';
    const reason = wrongCode
      ? 'wrong-code'
      : body.answer === 'approve'
        ? ''
        : body.answer === 'fraud'
          ? 'fraud'
          : 'denied';
    const applied = await this.transition(id, (r) =>
      r.state === 'pending' ? { ...r, state, reason, userVerified: body.userVerified } : undefined,
    );
    if (!applied)
      return refuse(
        409,
        'already_answered',
        'This sign-in request was already answered.',
        'another decision was applied first',
      );
    if (wrongCode)
      await records.pushWrongCodes.increment(this.store, request.userId, 1, { ttlMs: this.config.wrongCodes.window });
    if (state === 'fraud' && this.config.fraudPause > 0)
      await paused.set(this.store, request.userId, true, { ttlMs: this.config.fraudPause });
    await this.logDecision(request, state, reason);
    return {
      ok: true,
      state,
      message: wrongCode
        ? 'The code did not match, so the sign-in was denied.'
        : state === 'approved'
          ? 'Approved.'
          : state === 'fraud'
            ? 'Reported. The sign-in was denied and your IT team is told.'
            : 'Denied.',
    };
  }

  /** Uses an approval once, for the transaction that asked; undefined when it is not usable. */
  async consume(id: string, txId: string): Promise<PushRequest | undefined> {
    const found = await requestRecords.getVersioned(this.store, id);
    if (!found || found.value.txId !== txId || found.value.state !== 'approved') return undefined;
    const used: PushRequest = { ...found.value, state: 'used' };
    return (await requestRecords.compareAndSet(this.store, id, found.version, used, { ttlMs: KEEP_MS }))
      ? found.value
      : undefined;
  }

  private async transition(id: string, change: (r: PushRequest) => PushRequest | undefined): Promise<boolean> {
    const found = await requestRecords.getVersioned(this.store, id);
    const next = found && change(found.value);
    if (!found || !next) return false;
    const ttlMs = Math.max(1000, next.expiresAt + KEEP_MS - Date.now());
    if (!(await requestRecords.compareAndSet(this.store, id, found.version, next, { ttlMs }))) return false;
    // A newer push may already hold the device's slot: free it only if it is still this one.
    if (next.state !== 'pending' && (await pendingOfDevice.get(this.store, next.deviceId)) === id)
      await pendingOfDevice.delete(this.store, next.deviceId);
    await this.bus.notify('push-decisions', id);
    return true;
  }

  private async logDecision(request: PushRequest, state: PushState, reason: string): Promise<void> {
    const why: Record<string, string> = {
      '': 'approved on the phone',
      'wrong-code': "the code typed on the phone did not match the browser's",
      denied: 'denied on the phone',
      fraud: `reported as fraud on the phone${this.config.fraudPause > 0 ? `; push to this user paused for ${Math.round(this.config.fraudPause / 60_000)} min` : ''}`,
    };
    await this.authLog.record({
      event: 'push-decision',
      result: state === 'approved' ? 'success' : state === 'fraud' ? 'fraud' : 'denied',
      reason: `${why[reason] ?? reason} (app ${request.app}, browser ${request.browser}, ${request.purpose})`,
      user: request.username,
      userId: request.userId,
      ip: request.ip,
      transaction: request.txId,
    });
  }
}

/** A verification code of `digits` digits, leading zeros kept. */
function newCode(digits: number): string {
  return String(randomInt(0, 10 ** digits)).padStart(digits, '0');
}

export function toPending(request: PushRequest): PendingPush {
  return {
    id: request.id,
    user: request.username,
    app: request.app,
    time: request.time,
    ip: request.ip,
    browser: request.browser,
    codeRequired: request.code !== '',
    codeLength: request.code.length,
    userVerificationRequired: request.userVerificationRequired,
    expiresAt: request.expiresAt,
    ...(request.details ? { details: request.details } : {}),
  };
}
