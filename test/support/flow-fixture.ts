import path from 'node:path';
import { pino } from 'pino';
import type { BeforePasswordCheck, Directory, DirectoryUser, PasswordCheck } from '../../src/directory/contract.ts';
import type { Store } from '../../src/store/contract.ts';
import { openStore } from '../../src/store/index.ts';
import { AuthLog } from '../../src/authn/auth-log.ts';
import type { SignInRequest } from '../../src/authn/contract.ts';
import { SignInFlow, type FlowDeps } from '../../src/authn/flow.ts';
import { KnownDevices } from '../../src/authn/known-device.ts';
import { PolicyResolver, type SecondFactorKind } from '../../src/authn/policy.ts';
import { RememberedDevices } from '../../src/authn/remembered-device.ts';
import { RememberBrowserStep } from '../../src/authn/remember-browser-step.ts';
import { IdentifyStep } from '../../src/authn/identify.ts';
import { PasswordStep } from '../../src/methods/password/step.ts';
import type { BrowserContext, Step, UserStep, UserStepContext } from '../../src/authn/step.ts';
import { PasswordThrottle } from '../../src/authn/throttle.ts';
import { TransactionStore, type LoginTransaction } from '../../src/authn/transaction.ts';
import { tempDir } from './temp.ts';

// The sign-in engine on a real SQLite store with test steps: a directory that records password
// checks, a code step standing in for any second factor, and an enrollment step. Unit tests of the
// flow, policy and conditions share it.

export const alice: DirectoryUser = { id: 'u-alice', username: 'alice', groups: ['staff'], attributes: {} };
export const contractor: DirectoryUser = { id: 'u-bob', username: 'bob', groups: ['contractors'], attributes: {} };

/** A directory that records every password check, so tests can prove one was (not) made. */
export class RecordingDirectory implements Directory {
  readonly kind = 'test';
  checks: string[] = [];
  async findUser(login: string) {
    return [alice, contractor].find((u) => u.username === login);
  }
  async findUserById(id: string) {
    return [alice, contractor].find((u) => u.id === id);
  }
  async verifyPassword(login: string, password: string, beforeCheck?: BeforePasswordCheck): Promise<PasswordCheck> {
    const user = await this.findUser(login);
    if ((await beforeCheck?.(user)) === 'stop') return { ok: false, reason: 'not-checked' };
    this.checks.push(login);
    if (!user) return { ok: false, reason: 'user-not-found' };
    if (login === 'alice' && password === 'disabled!') return { ok: false, reason: 'account-disabled' };
    return password === 'right' ? { ok: true, user } : { ok: false, reason: 'invalid-credentials' };
  }
  async ping() {}
  async close() {}
}

/** A second factor registered like any later method would be: proves the extension point. */
export class CodeStep implements UserStep {
  readonly stage = 'second-factor' as const;
  readonly requiresUser = true;
  readonly order = 10;
  readonly label: string;
  constructor(
    private readonly enrolled: Set<string>,
    readonly id = 'test-code',
    readonly kind: SecondFactorKind = 'passcode',
    private readonly code = '123456',
  ) {
    this.label = `Test ${id}`;
  }
  async isAvailable(ctx: UserStepContext) {
    return this.enrolled.has(`${this.id}:${ctx.user.id}`);
  }
  /** Pages built: a real step's view() may write a challenge, so only a page shown should build one. */
  views = 0;
  async view() {
    this.views++;
    return { template: this.id, model: {} };
  }
  async handle(_ctx: unknown, form: Record<string, string>) {
    return form.code === this.code
      ? { kind: 'success' as const, method: this.id, amr: ['otp'], reason: 'code accepted' }
      : { kind: 'challenge' as const, message: 'That code is not right.', reason: 'wrong code', result: 'failure' };
  }
}

/** Enrolls a user who has no second factor: two pages (show a secret, then confirm it). */
export class EnrollStep implements UserStep {
  readonly id = 'test-enroll';
  readonly requiresUser = true;
  readonly order = 10;
  readonly stage = 'second-factor' as const;
  readonly label = 'Set up a code';
  readonly kind = 'passcode' as const;
  readonly enrollment = true;
  constructor(private readonly enrolled: Set<string>) {}
  async isAvailable() {
    return true;
  }
  async view() {
    return { template: 'test-enroll', model: {} };
  }
  async handle(ctx: UserStepContext, form: Record<string, string>) {
    if (!ctx.tx.stepData) return { kind: 'challenge' as const, reason: 'secret shown', stepData: { secret: 'S' } };
    this.enrolled.add(`test-code:${ctx.user.id}`);
    return form.code === '654321'
      ? { kind: 'success' as const, method: 'test-code', amr: ['otp'], reason: 'enrolled and confirmed' }
      : { kind: 'challenge' as const, message: 'That code is not right.', reason: 'wrong code', result: 'failure' };
  }
}

/**
 * A passwordless step that signs `user` in with a passkey of `kind` on any post; offered where the
 * policy (before anyone is identified) allows that kind.
 */
export function passkeyOf(user: DirectoryUser, kind: 'roaming' | 'platform' = 'roaming'): Step {
  return {
    id: 'test-passkey',
    stage: 'primary',
    label: 'Passkey',
    requiresUser: false,
    order: 10,
    isAvailable: async (ctx) => ctx.policy.passwordless.includes(kind),
    view: async () => ({ template: 'test-passkey', model: {} }),
    handle: async () => ({
      kind: 'success',
      user,
      method: 'test-passkey',
      amr: [kind === 'roaming' ? 'hwk' : 'swk', 'user'],
      passwordless: kind,
      reason: 'test passkey',
    }),
  };
}

export const browser: BrowserContext = { ip: '192.0.2.10', userAgent: 'test' };

export const request = (overrides: Partial<SignInRequest['constraints']> = {}, appId = 'wiki'): SignInRequest => ({
  app: { id: appId, name: appId === 'wiki' ? 'Wiki' : appId, protocol: 'saml' },
  constraints: overrides,
  continuation: { returnPath: '/saml2/idp/continue', data: { requestId: 'r1' } },
});

export type PolicyConfig = ConstructorParameters<typeof PolicyResolver>[0];
export type AppPolicyConfig = ConstructorParameters<typeof PolicyResolver>[1];

export interface FlowOptions {
  /** Steps besides identify, password, the two code steps and enrollment. */
  steps?: Step[];
  /** Anything else the flow takes (conditions' signals, …). */
  deps?: Partial<FlowDeps>;
}

/** One test's engine: a fresh store, directory, transactions and log. */
export class FlowWorld {
  readonly directory = new RecordingDirectory();
  readonly enrolled = new Set<string>();
  readonly transactions: TransactionStore;
  readonly authLog: AuthLog;

  private constructor(
    readonly store: Store,
    private readonly cleanup: () => void,
  ) {
    this.transactions = new TransactionStore(store, 60_000);
    this.authLog = new AuthLog(store, pino({ level: 'silent' }));
  }

  static async open(): Promise<FlowWorld> {
    const temp = tempDir();
    const store = await openStore({
      type: 'sqlite',
      sqlite: { file: path.join(temp.dir, 's.sqlite') },
      redis: { keyPrefix: 'x:' },
    });
    return new FlowWorld(store, temp.cleanup);
  }

  async close(): Promise<void> {
    await this.store.close();
    this.cleanup();
  }

  makeFlow(
    policy: PolicyConfig = { default: { password: true, newUser: 'allow' }, groups: [] },
    apps: AppPolicyConfig = {},
    options: FlowOptions = {},
  ): SignInFlow {
    const { store, enrolled } = this;
    const throttle = new PasswordThrottle(store, {
      perAccount: { maxFailures: 3, window: 60_000 },
      perIp: { maxFailures: 100, window: 60_000 },
    });
    const known = new KnownDevices(store, Buffer.alloc(32, 7), 86_400_000);
    const remembered = new RememberedDevices(store);
    const steps = [
      new IdentifyStep(),
      new PasswordStep(this.directory, throttle, known, 0),
      new CodeStep(enrolled),
      new CodeStep(enrolled, 'test-key', 'webauthn', '999999'),
      new EnrollStep(enrolled),
      new RememberBrowserStep(remembered),
      ...(options.steps ?? []),
    ];
    return new SignInFlow({
      transactions: this.transactions,
      steps,
      policies: new PolicyResolver(policy, apps),
      authLog: this.authLog,
      remembered,
      hasAnyFactor: async (userId) => [...enrolled].some((e) => e.endsWith(`:${userId}`)),
      ...options.deps,
    });
  }

  /** One user action on the transaction as it is stored now. */
  async act(flow: SignInFlow, tx: LoginTransaction, action: Parameters<SignInFlow['submit']>[3], from = browser) {
    const loaded = (await this.transactions.load(tx.id))!;
    return flow.submit(loaded.tx, loaded.version, from, action);
  }

  /** A new sign-in to the app from this browser, up to the password. */
  async passwordFrom(flow: SignInFlow, appId: string, from: BrowserContext, login = 'alice') {
    const tx = await flow.begin(request({}, appId), { login, stage: 'primary' });
    return this.act(flow, tx, { kind: 'submit', form: { password: 'right' } }, from);
  }

  /** Password then the code step; returns the finished transaction. */
  async signInWithCode(flow: SignInFlow, appId: string, from: BrowserContext, form: Record<string, string> = {}) {
    const afterPassword = await this.passwordFrom(flow, appId, from);
    if (afterPassword.kind !== 'moved') return afterPassword;
    const mid = (await this.transactions.load(afterPassword.tx.id))!;
    const current = await flow.current(mid.tx, from);
    return flow.submit(mid.tx, mid.version, from, {
      kind: 'submit',
      form: { code: current?.step.id === 'test-key' ? '999999' : '123456', ...form },
    });
  }

  /** The stored transaction, as the next request would load it. */
  async load(tx: LoginTransaction): Promise<LoginTransaction> {
    return (await this.transactions.load(tx.id))!.tx;
  }
}
