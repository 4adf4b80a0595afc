import type { Logger } from 'pino';
import type { LogStream } from '../authn/auth-log.ts';
import type { AdminRole } from '../config/admin.ts';
import type { Json, Store } from '../store/contract.ts';
import { records } from '../store/records.ts';

// The admin audit log: every change made through the console or the API, and every refusal, with
// who (a console user, an API token, the command line), with what role, what (the operation and
// its target), the state before and after, and from where. Secrets (a new client secret, bypass
// codes, an activation link) are never written: only that they were made. It lives in the
// store's event log beside the authentication log (and goes to the JSON log too).

export type ActorKind = 'user' | 'token' | 'cli';

// A type, not an interface, so that it is assignable to the store's Json.
export type AuditEntry = {
  /** A console user's username, an API token's name, or "latch admin" for the CLI. */
  actor: string;
  actorKind: ActorKind;
  role: AdminRole | null;
  /** The operation, as the API names it ("removeAuthenticator"). */
  action: string;
  /** What it acted on, in words ("user alice", "application wiki"). */
  target: string;
  /** done; refused (no permission, bad input); failed (an error on our side). */
  result: 'done' | 'refused' | 'failed';
  /** Why it was refused or failed, or what it did. */
  reason?: string;
  before?: Json;
  after?: Json;
  ip?: string;
  userAgent?: string;
};

const entries = records.adminAudit.holding<AuditEntry>();

export class AdminAudit {
  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    const clean = Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)) as AuditEntry;
    await entries.append(this.store, clean);
    this.log.info(
      { audit: clean },
      `admin ${entry.action} ${entry.result} by ${entry.actorKind} ${entry.actor}: ${entry.target}`,
    );
  }

  stream(): LogStream<AuditEntry> {
    return { range: (query) => entries.range(this.store, query), trim: (before) => entries.trim(this.store, before) };
  }
}
