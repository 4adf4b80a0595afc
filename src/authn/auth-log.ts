import type { Logger } from 'pino';
import type { Json, RangeQuery, Store, StoredEvent } from '../store/contract.ts';
import { records } from '../store/records.ts';

// The authentication log: every sign-in decision, in the store's event log (queryable by time for
// the admin API) and in the JSON log. Entries never hold a password, code or other secret.

export interface AuthEvent {
  /** What was decided: "password", "sign-in", "session", "throttle", … */
  event: string;
  /** success, failure, denied, throttled, skipped, cancelled, … */
  result: string;
  /** Why, in words an operator can act on. */
  reason: string;
  /** What the user typed (login) or the directory username. */
  user?: string;
  userId?: string;
  app?: string;
  ip?: string;
  userAgent?: string;
  methods?: string[];
  /** How strongly a finished sign-in authenticated: password, mfa or passwordless. */
  level?: string;
  /** The authenticators a sign-in used, by name and id (a passkey, the phone): never a secret. */
  authenticators?: UsedAuthenticator[];
  transaction?: string;
  /** Auth API and Universal Prompt: the integration's name, and the server that called (its hostname as it says, its address). */
  integration?: string;
  clientHost?: string;
  clientIp?: string;
}

// A type, not an interface, so that it is assignable to the store's Json.
export type UsedAuthenticator = { method: string; id: string; name: string };

/** When and where a user last signed in: the console's users and their export. */
export type LastSignIn = { at: number; app: string; level: string };

export interface AuthLogQuery extends RangeQuery {
  user?: string;
  result?: string;
}

/** An entry as stored: the fields of AuthEvent, and whatever else a caller added. */
export type StoredAuthEvent = AuthEvent & Record<string, Json>;

const authEvents = records.authLog.holding<StoredAuthEvent>();
const lastSignIns = records.lastSignIn.holding<LastSignIn>();

/** A log stream as the search, the export and retention read it (authn/log-search.ts, log-retention.ts). */
export interface LogStream<T> {
  range(query: RangeQuery): Promise<StoredEvent<T>[]>;
  trim(before: number): Promise<number>;
}

/** The stream's name, for tools that read the log from the store directly. */
export const AUTH_LOG_STREAM = records.authLog.name;

export class AuthLog {
  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  async record(entry: AuthEvent): Promise<void> {
    const clean = Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)) as StoredAuthEvent;
    await authEvents.append(this.store, clean);
    this.log.info({ auth: clean }, `auth ${entry.event} ${entry.result}: ${entry.reason}`);
    if (entry.event === 'sign-in' && entry.result === 'success' && entry.userId) {
      await lastSignIns.set(this.store, entry.userId, {
        at: Date.now(),
        app: entry.app ?? '',
        level: entry.level ?? '',
      });
    }
  }

  /** When the user last signed in (a finished sign-in, not single sign-on from a session). */
  lastSignIn(userId: string): Promise<LastSignIn | undefined> {
    return lastSignIns.get(this.store, userId);
  }

  /** The stream, for searches, exports and retention. */
  stream(): LogStream<StoredAuthEvent> {
    return {
      range: (query) => authEvents.range(this.store, query),
      trim: (before) => authEvents.trim(this.store, before),
    };
  }

  /** Newest first by default; by user and result in the store's query (an index on PostgreSQL). */
  async query(query: AuthLogQuery = {}): Promise<StoredEvent<StoredAuthEvent>[]> {
    const { user, result, ...range } = query;
    const where = { ...(user ? { user } : {}), ...(result ? { result } : {}) };
    return authEvents.range(this.store, { reverse: true, ...range, where });
  }
}
