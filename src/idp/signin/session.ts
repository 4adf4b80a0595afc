import { isDeepStrictEqual } from 'node:util';
import type { AppRef, AuthLevel, Protocol, SignInResult } from '../../authn/contract.ts';
import type { DirectoryUser } from '../../directory/contract.ts';
import type { Json, Store } from '../../store/contract.ts';
import { records } from '../../store/records.ts';
import { randomId, sha256 } from '../../util/random.ts';

// The IdP session: who is signed in to Latch in this browser, since when, how, and which
// applications they have used (for single logout). The cookie holds a random secret; the store
// keys the session by its hash ("sid"), which is also the public handle given to front ends
// (SAML SessionIndex, OIDC sid), so neither a store dump nor an SP can replay the cookie.

export interface SessionApp {
  protocol: Protocol;
  name: string;
  firstAt: number;
  /** Front-end data for logout (SAML NameID and SLO URL, OIDC client…). */
  data?: Json;
}

/** What a finished sign-in puts into a new session. */
export interface NewSession {
  user: DirectoryUser;
  authTime: number;
  level: AuthLevel;
  amr: string[];
  methods: string[];
  /** Kinds of factor used (LoginTransaction.factors): decides which applications the session covers. */
  factors?: string[];
}

export interface IdpSession extends NewSession {
  sid: string;
  createdAt: number;
  lastSeenAt: number;
  absoluteExpiresAt: number;
  apps: Record<string, SessionApp>;
}

const sessionRecords = records.session.holding<IdpSession>();
/** Refreshing the idle timer on every request would write on every request; once a minute is enough. */
const TOUCH_EVERY_MS = 60_000;

export function sidOf(cookieValue: string): string {
  return sha256(cookieValue);
}

/** Whether a recorded application already says what recording `app` with `data` would. */
function sameApp(recorded: { name: string; data?: Json } | undefined, app: AppRef, data: Json | undefined): boolean {
  return (
    recorded !== undefined &&
    recorded.name === app.name &&
    (data === undefined || isDeepStrictEqual(recorded.data, data))
  );
}

export class SessionStore {
  constructor(
    private readonly store: Store,
    private readonly timeouts: { idleMs: number; absoluteMs: number },
  ) {}

  /** A new session, already holding `apps` (one write); returns it with the secret for the cookie. */
  async create(
    init: NewSession,
    apps: Record<string, SessionApp> = {},
  ): Promise<{ session: IdpSession; cookieValue: string }> {
    const cookieValue = randomId();
    const now = Date.now();
    const session: IdpSession = {
      ...init,
      sid: sidOf(cookieValue),
      createdAt: now,
      lastSeenAt: now,
      absoluteExpiresAt: now + this.timeouts.absoluteMs,
      apps,
    };
    await this.write(session);
    await records.sessionsOfUser.add(this.store, session.user.id, session.sid);
    return { session, cookieValue };
  }

  /** The live session for a cookie value, refreshing its idle timer. */
  async fromCookie(cookieValue: string | undefined): Promise<IdpSession | undefined> {
    if (!cookieValue || !/^[A-Za-z0-9_-]{43}$/.test(cookieValue)) return undefined;
    return this.get(sidOf(cookieValue));
  }

  async get(sid: string): Promise<IdpSession | undefined> {
    const session = await sessionRecords.get(this.store, sid);
    if (!session) return undefined;
    const now = Date.now();
    if (now >= session.absoluteExpiresAt || now - session.lastSeenAt >= this.timeouts.idleMs) {
      await this.end(sid);
      return undefined;
    }
    if (now - session.lastSeenAt >= TOUCH_EVERY_MS) {
      session.lastSeenAt = now;
      await this.write(session);
    }
    return session;
  }

  /**
   * Records that the session signed in to an application (compare-and-set, so none is lost).
   * Recording what the session already holds writes nothing, and reads nothing when `known` (the
   * session's apps as read earlier in this request) shows it: single sign-on to an application
   * used before is the hot path.
   */
  async recordApp(sid: string, app: AppRef, data?: Json, known?: SignInResult['sessionApps']): Promise<void> {
    if (known && sameApp(known[app.id], app, data)) return;
    for (let attempt = 0; attempt < 5; attempt++) {
      const found = await sessionRecords.getVersioned(this.store, sid);
      if (!found) return;
      const session = found.value;
      const previous = session.apps[app.id];
      if (sameApp(previous, app, data)) return;
      session.apps[app.id] = {
        protocol: app.protocol,
        name: app.name,
        firstAt: previous?.firstAt ?? Date.now(),
        data: data ?? previous?.data,
      };
      if (await sessionRecords.compareAndSet(this.store, sid, found.version, session, { ttlMs: this.ttl(session) }))
        return;
    }
  }

  /** Ends a session; returns what it was, so front ends can propagate logout. */
  async end(sid: string): Promise<IdpSession | undefined> {
    const session = await sessionRecords.take(this.store, sid);
    if (session) await records.sessionsOfUser.remove(this.store, session.user.id, sid);
    return session;
  }

  async listForUser(userId: string): Promise<IdpSession[]> {
    const sids = await records.sessionsOfUser.list(this.store, userId);
    const sessions = await Promise.all(sids.map((sid) => this.get(sid)));
    return sessions.filter((s): s is IdpSession => s !== undefined);
  }

  private ttl(session: IdpSession): number {
    return Math.max(1, Math.min(this.timeouts.idleMs, session.absoluteExpiresAt - Date.now()));
  }

  private write(session: IdpSession): Promise<void> {
    return sessionRecords.set(this.store, session.sid, session, { ttlMs: this.ttl(session) });
  }
}
