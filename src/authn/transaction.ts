import type { DirectoryUser } from '../directory/contract.ts';
import type { Json, Store } from '../store/contract.ts';
import { records } from '../store/records.ts';
import { randomId } from '../util/random.ts';
import type { UsedAuthenticator } from './auth-log.ts';
import type { AuthLevel, SignInOutcome, SignInRequest } from './contract.ts';

// A login transaction: one browser's way through the sign-in, from the front end's request to
// the outcome it picks up. Every transition is written with compare-and-set, so two tabs or a
// double submit cannot both move it, and reloading or going back just shows the current step.

export type Stage = 'identify' | 'primary' | 'second-factor' | 'offer';

export interface Decision {
  at: number;
  stage: Stage | 'done';
  step?: string;
  result: string;
  reason: string;
}

export interface LoginTransaction {
  id: string;
  createdAt: number;
  expiresAt: number;
  /** Increases on every transition; part of the CSRF token, so a stale form cannot be replayed. */
  seq: number;
  /** sha256 of the browser-binding cookie of the browser that claimed this transaction. */
  bindHash?: string;
  /** Set by a front end that could not see the session cookie (a cross-site POST): check it on the first view. */
  checkSessionOnView?: boolean;
  request: SignInRequest;
  stage: Stage;
  /** The step the user is on within the stage (the user may pick another alternative). */
  stepId?: string;
  /**
   * Set when a front end identified the user itself (the Auth API, the Universal Prompt: the
   * application checked the password): the flow starts at the second factor, the user cannot be
   * changed, and the sign-in proves only what was done here, so it makes no IdP session.
   */
  identifiedBy?: string;
  /** What the user typed to identify themselves. */
  login?: string;
  user?: DirectoryUser;
  methods: string[];
  amr: string[];
  /**
   * What kinds of factor the user completed, for policy checks of later applications: second-factor
   * kinds ("passcode", "webauthn", …) and "passwordless:<kind>" ("passwordless:platform").
   */
  factors?: string[];
  /** The authenticators used so far (a passkey, the phone), for the authentication log. */
  authenticators?: UsedAuthenticator[];
  /** Per-step scratch data (e.g. a WebAuthn challenge), cleared when the step changes. */
  stepData?: Json;
  decisions: Decision[];
  /** When the user finished: who and how. */
  completed?: { authTime: number; level: AuthLevel };
  /** What the front end picks up at its continuation. */
  outcome?: SignInOutcome;
  /** What policy's conditions decided once the user was known (conditions.ts): the action and its rule. */
  condition?: { action: 'allow' | 'allow-without-2fa' | 'require-2fa' | 'deny'; rule?: string };
  /** The browser's last report of a user-verifying platform authenticator (BrowserContext). */
  platformAuthenticator?: boolean;
  /** When a step ended the sign-in: what the user is told, and what they can do. */
  failureMessage?: { message: string; hint?: string };
}

const transactionRecords = records.transaction.holding<LoginTransaction>();

export class TransactionStore {
  constructor(
    private readonly store: Store,
    private readonly lifetimeMs: number,
  ) {}

  async create(request: SignInRequest, init: Partial<LoginTransaction> = {}): Promise<LoginTransaction> {
    const now = Date.now();
    const tx: LoginTransaction = {
      id: randomId(),
      createdAt: now,
      expiresAt: now + this.lifetimeMs,
      seq: 0,
      request,
      stage: 'identify',
      methods: [],
      amr: [],
      decisions: [],
      ...init,
    };
    await transactionRecords.set(this.store, tx.id, tx, { ttlMs: this.lifetimeMs });
    return tx;
  }

  async load(id: string): Promise<{ tx: LoginTransaction; version: number } | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const found = await transactionRecords.getVersioned(this.store, id);
    if (!found) return undefined;
    const tx = found.value;
    if (tx.expiresAt <= Date.now()) return undefined;
    return { tx, version: found.version };
  }

  /** Writes a transition; false when another request moved the transaction first. */
  async save(tx: LoginTransaction, version: number): Promise<boolean> {
    const ttlMs = tx.expiresAt - Date.now();
    if (ttlMs <= 0) return false;
    return transactionRecords.compareAndSet(this.store, tx.id, version, { ...tx, seq: tx.seq + 1 }, { ttlMs });
  }

  async delete(id: string): Promise<void> {
    await transactionRecords.delete(this.store, id);
  }
}
