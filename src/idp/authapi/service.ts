import type { AuthLog } from '../../authn/auth-log.ts';
import type { Position, SignInFlow } from '../../authn/flow.ts';
import type { LoginTransaction, TransactionStore } from '../../authn/transaction.ts';
import type { AuthApiConfig } from '../../config/authapi.ts';
import type { AccountCheck } from '../../directory/account-check.ts';
import type { Directory, DirectoryUser } from '../../directory/contract.ts';
import type { Ctx } from '../../http/context.ts';
import type { Passcodes } from '../../methods/passcodes/passcodes.ts';
import type { Push } from '../../methods/push/push.ts';
import type { Store } from '../../store/contract.ts';
import { minutes } from '../../util/words.ts';
import type { ApiCall } from './caller.ts';
import { ApiFailure, badParameter, missingParameter } from './failure.ts';
import { textPrompt, usableFactors, type Device, type TextPrompt } from './factors.ts';
import { originOf, subjectOf, type Origin } from './identify.ts';
import { appIdOf } from './integrations.ts';
import { parsePushinfo } from './pushinfo.ts';
import { acceptOnce } from './replay.ts';
import { SecondFactor, statusOf, type AuthStatus } from './second-factor.ts';

// preauth and auth of the Auth API v2: who the user is and what they may use (preauth), then one
// second factor (auth): a passcode (authenticator app, OATH token, the phone's offline passcode,
// or a bypass code), or a push to the Latch Authenticator that shows the client's pushinfo and the
// integration's name. Every call is written to the authentication log with the integration, the
// calling server's name and address.

export interface AuthApiDeps {
  config: AuthApiConfig;
  baseUrl: string;
  store: Store;
  directory: Directory;
  accounts: AccountCheck;
  flow: SignInFlow;
  transactions: TransactionStore;
  secondFactor: SecondFactor;
  passcodes: Passcodes;
  push: Push;
  authLog: AuthLog;
}

export type PreauthAnswer =
  | { result: 'auth'; status_msg: string; devices: Device[]; prompt?: TextPrompt }
  | { result: 'allow' | 'deny'; status_msg: string }
  | { result: 'enroll'; status_msg: string; enroll_portal_url: string; prompt?: { text: string } };

/** A bypass code is 10 digits; authenticator apps, tokens and the phone show 6 to 8. */
const BYPASS_CODE = /^\d{10}$/;

export class AuthApi {
  constructor(private readonly deps: AuthApiDeps) {}

  async preauth(ctx: Ctx, call: ApiCall): Promise<PreauthAnswer> {
    const origin = originOf(ctx, call);
    const found = await subjectOf(call, this.deps.directory, this.deps.accounts);
    if (!found.ok)
      return this.logged(call, origin, found.login, 'preauth', 'denied', found.status, {
        result: 'deny',
        status_msg: found.message,
      });
    const { user } = found;
    const tx = await this.deps.secondFactor.begin(call, user, origin);
    try {
      const answer = await this.preauthOf(tx, origin, call.params.get('text_prompt') === '1');
      return this.logged(call, origin, user.username, 'preauth', answer.result, answer.status_msg, answer);
    } finally {
      await this.deps.transactions.delete(tx.id);
    }
  }

  private async preauthOf(tx: LoginTransaction, origin: Origin, withPrompt: boolean): Promise<PreauthAnswer> {
    const user = tx.user!;
    if (tx.outcome)
      return {
        result: 'deny',
        status_msg: tx.failureMessage?.message ?? `You can't sign in to ${tx.request.app.name}.`,
      };
    if (tx.completed) return { result: 'allow', status_msg: 'Allowed without a second factor by policy.' };
    const position = await this.deps.flow.position(tx, origin);
    if (position?.available.some((s) => s.step.enrollment)) return this.enrollAnswer(user.username, withPrompt);
    const factors = await this.factorsAt(position);
    if (!factors || (factors.devices.length === 0 && !factors.bypassCodes)) {
      return {
        result: 'deny',
        status_msg: `None of your second factors can be used to sign in to ${tx.request.app.name} (security keys work only in a browser).`,
      };
    }
    const prompt = withPrompt ? textPrompt(user.username, factors) : undefined;
    return { result: 'auth', status_msg: 'Account is active', devices: factors.devices, ...(prompt ? { prompt } : {}) };
  }

  private enrollAnswer(username: string, withPrompt: boolean): PreauthAnswer {
    const url = `${this.deps.baseUrl}/account/authenticator`;
    const status_msg = `${username} has no second factor yet. Sign in at ${url} to set one up, then try again.`;
    return {
      result: 'enroll',
      status_msg,
      enroll_portal_url: url,
      ...(withPrompt ? { prompt: { text: status_msg } } : {}),
    };
  }

  private async factorsAt(position: Position | undefined) {
    if (!position) return undefined;
    return usableFactors(position, this.deps.passcodes, await this.deps.push.devices.forUser(position.tx.user!.id));
  }

  /** /auth/v2/auth: a status (synchronous) or a txid (async=1). */
  async auth(ctx: Ctx, call: ApiCall): Promise<AuthStatus | { txid: string }> {
    // A dateless v1 request cannot be told from the next identical login (legacy-v1.ts).
    if (call.version !== 'v1') await acceptOnce(this.deps.store, call, this.deps.config.clockSkew);
    const origin = originOf(ctx, call);
    const factor = call.params.get('factor');
    if (!factor) throw missingParameter('factor');
    const async = call.params.get('async') === '1';
    const found = await subjectOf(call, this.deps.directory, this.deps.accounts);
    if (!found.ok)
      return this.logged(call, origin, found.login, 'auth', 'denied', found.status, {
        result: 'deny',
        status: 'deny',
        status_msg: found.message,
      });
    const tx = await this.deps.secondFactor.begin(call, found.user, origin);
    if (tx.completed || tx.outcome) return this.settled(call, origin, found.user, tx, async, statusOf(tx));
    const choice = chosenFactor(call, factor);
    if (choice.kind === 'passcode') {
      const stepId = BYPASS_CODE.test(choice.code.replace(/[\s-]/g, '')) ? 'bypass-code' : 'passcode';
      const after = await this.deps.secondFactor.submit(tx.id, origin, stepId, { code: choice.code });
      if (!after) return this.settled(call, origin, found.user, tx, async, notOffered(stepId, tx));
      await this.throttled(after.tx, found.user);
      return this.settled(call, origin, found.user, after.tx, async, statusOf(after.tx, after.message));
    }
    const sent = await this.sendPush(call, origin, tx, found.user);
    if (sent) return this.settled(call, origin, found.user, tx, async, sent);
    if (async)
      return this.logged(
        call,
        origin,
        found.user.username,
        'auth',
        'pushed',
        'push sent; the client polls auth_status',
        { txid: tx.id },
      );
    const status = await this.deps.secondFactor.pushStatus(tx.id, origin, this.deps.push.config.requestLifetime + 1000);
    return this.logged(call, origin, found.user.username, 'auth', status.result, status.status_msg, status);
  }

  /** /auth/v2/auth_status: waits a bounded time for the phone. */
  async authStatus(ctx: Ctx, call: ApiCall): Promise<AuthStatus> {
    const txid = call.params.get('txid');
    if (!txid) throw missingParameter('txid');
    const origin = originOf(ctx, call);
    const loaded = await this.deps.transactions.load(txid);
    // Another integration's transaction is as unknown as an expired one.
    if (!loaded || loaded.tx.request.app.id !== appIdOf(call.integration.ikey))
      throw badParameter('txid: unknown or expired transaction');
    const status = await this.deps.secondFactor.pushStatus(txid, origin, this.deps.config.longPollTimeout);
    if (status.result === 'waiting') return status;
    return this.logged(call, origin, loaded.tx.user?.username, 'auth_status', status.result, status.status_msg, status);
  }

  /** Sends the push; a status when it could not be sent (paused after fraud), undefined when sent. */
  private async sendPush(
    call: ApiCall,
    origin: Origin,
    tx: LoginTransaction,
    user: DirectoryUser,
  ): Promise<AuthStatus | undefined> {
    const position = await this.deps.flow.position(tx, origin);
    const phone = await this.deps.push.devices.forUser(user.id);
    if (!phone || !position?.available.some((s) => s.step.id === 'push')) return notOffered('push', tx);
    const sent = await this.deps.push.requests.send(phone, {
      txId: tx.id,
      purpose: 'second-factor',
      app: call.integration.name,
      ip: origin.ip,
      browser: origin.userAgent,
      client: origin.clientHost ? `${call.integration.name} on ${origin.clientHost}` : call.integration.name,
      userVerificationRequired: false,
      withCode: call.params.get('client_supports_verified_push') === '1',
      details: parsePushinfo(call.params.get('pushinfo')),
    });
    if (!sent.ok && sent.reason === 'too-many-pushes') {
      throw new ApiFailure(
        42901,
        'Too many requests',
        `too many pushes to this user; wait ${minutes(sent.retryAfterMs)}`,
        Math.ceil(sent.retryAfterMs / 1000),
      );
    }
    if (!sent.ok)
      return {
        result: 'deny',
        status: 'locked_out',
        status_msg: `Push is paused for your account (${sent.reason}). Try again in ${minutes(sent.retryAfterMs)} or use a passcode.`,
      };
    await this.deps.secondFactor.pushSent(tx, sent.request);
    return undefined;
  }

  /** Wrong codes over the limit: 429 with Retry-After, as the clients back off on it. */
  private async throttled(tx: LoginTransaction, user: DirectoryUser): Promise<void> {
    if (tx.decisions.at(-1)?.result !== 'throttled') return;
    const waitMs =
      (await this.deps.passcodes.throttle.retryAfter(user.id)) ?? this.deps.passcodes.config.throttle.window;
    throw new ApiFailure(
      42901,
      'Too many requests',
      `too many wrong codes for this user; wait ${minutes(waitMs)}`,
      Math.ceil(waitMs / 1000),
    );
  }

  private settled(
    call: ApiCall,
    origin: Origin,
    user: DirectoryUser,
    tx: LoginTransaction,
    async: boolean,
    status: AuthStatus,
  ) {
    const answer = async ? { txid: tx.id } : status;
    return this.logged(call, origin, user.username, 'auth', status.result, status.status_msg, answer);
  }

  /** One authentication-log entry per call, with the integration and the calling server. */
  private async logged<T>(
    call: ApiCall,
    origin: Origin,
    user: string | undefined,
    event: string,
    result: string,
    reason: string,
    answer: T,
  ): Promise<T> {
    await this.deps.authLog.record({
      event: `authapi-${event}`,
      result,
      reason,
      user,
      app: appIdOf(call.integration.ikey),
      ip: origin.ip,
      userAgent: origin.userAgent,
      integration: call.integration.name,
      clientHost: origin.clientHost || undefined,
      clientIp: origin.clientIp,
    });
    return answer;
  }
}

function notOffered(stepId: string, tx: LoginTransaction): AuthStatus {
  const what = stepId === 'push' ? 'Push' : stepId === 'bypass-code' ? 'A bypass code' : 'A passcode';
  return { result: 'deny', status: 'deny', status_msg: `${what} cannot be used to sign in to ${tx.request.app.name}.` };
}

type Choice = { kind: 'passcode'; code: string } | { kind: 'push' };

/** factor=passcode|push|auto, or login_duo's factor=prompt&prompt=<"push1" or a passcode>. */
function chosenFactor(call: ApiCall, factor: string): Choice {
  const passcode = (code: string | undefined): Choice => {
    if (!code) throw missingParameter('passcode');
    if (code.length > 32) throw badParameter('passcode: at most 32 characters');
    return { kind: 'passcode', code };
  };
  switch (factor) {
    case 'passcode':
      return passcode(call.params.get('passcode'));
    case 'push':
    case 'auto':
      return { kind: 'push' };
    case 'prompt': {
      const answer = (call.params.get('prompt') ?? '').trim();
      return /^(push\d*|auto)$/.test(answer) ? { kind: 'push' } : passcode(answer);
    }
    default:
      throw badParameter(`factor: Latch supports passcode, push, auto and prompt (got ${factor.slice(0, 32)})`);
  }
}
