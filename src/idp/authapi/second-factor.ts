import type { SignInFlow } from '../../authn/flow.ts';
import type { PolicyResolver } from '../../authn/policy.ts';
import type { LoginTransaction, TransactionStore } from '../../authn/transaction.ts';
import type { DirectoryUser } from '../../directory/contract.ts';
import type { Push, PushRequest } from '../../methods/push/push.ts';
import { isExpired } from '../../methods/push/requests.ts';
import type { ApiCall } from './caller.ts';
import { ApiFailure } from './failure.ts';
import type { Origin } from './identify.ts';
import { appIdOf } from './integrations.ts';

// The second factor of an Auth API call runs in the sign-in flow, as it would in the browser: a
// login transaction for the user the client names (identified by the client, which checked the
// password), the steps policy offers this integration, each code through its step (throttle,
// single use, resynchronization) and each push decision taken once by the push step. What the
// client is told is read from the transaction afterwards.

export type AuthStatus =
  | { result: 'allow'; status: 'allow' | 'bypass'; status_msg: string }
  | { result: 'deny'; status: 'deny' | 'fraud' | 'timeout' | 'locked_out'; status_msg: string }
  | { result: 'waiting'; status: 'pushed'; status_msg: string };

export const ALLOWED: AuthStatus = { result: 'allow', status: 'allow', status_msg: 'Success. Logging you in...' };

export interface SecondFactorDeps {
  flow: SignInFlow;
  transactions: TransactionStore;
  policies: PolicyResolver;
  push: Push;
}

export class SecondFactor {
  constructor(private readonly deps: SecondFactorDeps) {}

  /** A transaction for this call's user, past the checks a correct password leads to. */
  begin(call: ApiCall, user: DirectoryUser, origin: Origin): Promise<LoginTransaction> {
    const { integration } = call;
    const app = { id: appIdOf(integration.ikey), name: integration.name, protocol: 'authapi' as const };
    // An integration is an application for policy; its layer may have changed since the last call.
    this.deps.policies.registerApps({ [app.id]: integration.policy });
    const request = { app, constraints: {}, continuation: { returnPath: '', data: null } };
    return this.deps.flow.beginIdentified(request, user, origin, `integration ${integration.name}`);
  }

  /** Moves to `stepId` and submits `form` there; the transaction afterwards, or undefined when policy does not offer the step. */
  async submit(
    txId: string,
    origin: Origin,
    stepId: string,
    form: Record<string, string>,
  ): Promise<{ tx: LoginTransaction; message?: string } | undefined> {
    const chosen = await this.act(txId, origin, { kind: 'choose', stepId });
    if (chosen.tx.stepId !== stepId) return undefined;
    return this.act(txId, origin, { kind: 'submit', form });
  }

  /** Records the push sent for this transaction, so that its push step reads the decision. */
  async pushSent(tx: LoginTransaction, request: PushRequest): Promise<void> {
    const loaded = await this.deps.transactions.load(tx.id);
    if (
      !loaded ||
      !(await this.deps.transactions.save(
        { ...loaded.tx, stepId: 'push', stepData: { requestId: request.id } },
        loaded.version,
      ))
    ) {
      throw new ApiFailure(50001, 'Internal server error', 'the login transaction moved while the push was sent');
    }
  }

  /** Waits up to `waitMs` for the phone; then the status, with the push's decision applied once. */
  async pushStatus(txId: string, origin: Origin, waitMs: number): Promise<AuthStatus> {
    const loaded = await this.deps.transactions.load(txId);
    if (!loaded) throw new ApiFailure(40002, 'Invalid request parameters', 'txid: unknown or expired transaction');
    if (loaded.tx.completed || loaded.tx.outcome) return statusOf(loaded.tx);
    const id = requestIdOf(loaded.tx);
    // A code was refused already (async passcode): nothing is waited for.
    if (!id) return statusOf(loaded.tx);
    await this.deps.push.requests.waitForDecision(id, waitMs);
    const request = await this.deps.push.requests.get(id);
    if (request?.state === 'pending' && !isExpired(request)) return waiting(request);
    const settled = await this.act(txId, origin, { kind: 'submit', form: {} });
    if (request && isExpired(request)) return timedOut();
    return statusOf(settled.tx, settled.message);
  }

  private async act(
    txId: string,
    origin: Origin,
    action: Parameters<SignInFlow['submit']>[3],
  ): Promise<{ tx: LoginTransaction; message?: string }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const loaded = await this.deps.transactions.load(txId);
      if (!loaded)
        throw new ApiFailure(
          40002,
          'Invalid request parameters',
          'the authentication expired; start again with preauth',
        );
      const result = await this.deps.flow.submit(loaded.tx, loaded.version, origin, action);
      if (result.kind !== 'conflict')
        return { tx: result.tx, message: result.kind === 'moved' ? result.message : undefined };
    }
    throw new ApiFailure(42901, 'Too many requests', 'another request for this authentication is in progress');
  }
}

export function requestIdOf(tx: LoginTransaction): string | undefined {
  const data = tx.stepData;
  return data && typeof data === 'object' && !Array.isArray(data) && typeof data.requestId === 'string'
    ? data.requestId
    : undefined;
}

function waiting(request: PushRequest): AuthStatus {
  const code = request.code ? ` Enter ${request.code} in the Latch Authenticator to approve.` : '';
  return { result: 'waiting', status: 'pushed', status_msg: `Pushed a login request to your device...${code}` };
}

const timedOut = (): AuthStatus => ({ result: 'deny', status: 'timeout', status_msg: 'Login timed out.' });

/** What a finished or refused transaction tells the client. */
export function statusOf(tx: LoginTransaction, message?: string): AuthStatus {
  if (tx.completed)
    return tx.amr.includes('mfa')
      ? ALLOWED
      : { result: 'allow', status: 'bypass', status_msg: 'Allowed without a second factor by policy.' };
  const last = tx.decisions.at(-1);
  if (last?.result === 'fraud')
    return { result: 'deny', status: 'fraud', status_msg: 'Login request reported as fraudulent.' };
  if (last?.result === 'throttled' || last?.result === 'paused')
    return { result: 'deny', status: 'locked_out', status_msg: message ?? 'Too many attempts. Try again later.' };
  return {
    result: 'deny',
    status: 'deny',
    status_msg: tx.failureMessage?.message ?? message ?? 'Login request denied.',
  };
}
