import { isDeepStrictEqual } from 'node:util';
import { errors } from 'oidc-provider';
import type { Json, Store } from '../../store/contract.ts';

// oidc-provider's storage contract (its "Adapter": upsert, find, findByUid, findByUserCode,
// consume, destroy, revokeByGrantId) on Latch's Store, so that codes, tokens, grants, sessions and
// interactions live in SQLite or Redis like the rest of Latch's state.
//
// Keys: "oidc:<Model>:<id>" holds a payload; "oidc:SessionUid:<uid>" and
// "oidc:UserCode:<code>" point at the id that has them; "oidc:RevokedGrant:<grantId>" marks a
// revoked grant for as long as anything issued under it could live, and every artifact of that
// grant is gone from then on (find returns nothing). A mark instead of a list of each grant's
// artifacts: a single sign-on grant lives for weeks and gets a code and tokens on every sign-in,
// so a list would be rewritten, ever longer, on every token issued.

/** A stored payload; oidc-provider owns its fields, these are the ones the adapter reads. */
export interface AdapterPayload {
  [field: string]: unknown;
  jti?: string;
  grantId?: string;
  uid?: string;
  userCode?: string;
  /** Epoch seconds at which the artifact was consumed. */
  consumed?: number;
}

export interface OidcAdapter {
  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<AdapterPayload | undefined>;
  findByUid(uid: string): Promise<AdapterPayload | undefined>;
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/** Models whose artifacts belong to a grant and go when the grant is revoked. */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

export interface AdapterOptions {
  /** How long anything issued under a grant can live (the longest token lifetime): how long a revocation mark is kept. */
  grantArtifactTtlMs: number;
}

const CAS_ATTEMPTS = 20;

export class StoreAdapter implements OidcAdapter {
  constructor(
    readonly model: string,
    private readonly store: Store,
    private readonly options: AdapterOptions,
  ) {}

  private key(id: string): string {
    return `oidc:${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const ttlMs = typeof expiresIn === 'number' ? Math.max(1, expiresIn * 1000) : undefined;
    const options = ttlMs === undefined ? {} : { ttlMs };
    const json = toJson(payload);
    if (this.model === 'Session' && sameSession(await this.store.get<Json>(this.key(id)), json)) return;
    if (this.model === 'Session' && payload.uid) await this.store.set(uidKey(payload.uid), id, options);
    if (payload.userCode) await this.store.set(userCodeKey(payload.userCode), id, options);
    await this.store.set(this.key(id), json, options);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const payload = (await this.store.get<Json>(this.key(id))) as AdapterPayload | undefined;
    if (payload && GRANTABLE.has(this.model) && typeof payload.grantId === 'string' && (await this.store.get(revokedKey(payload.grantId))) !== undefined) {
      return undefined;
    }
    return payload;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = await this.store.get<string>(uidKey(uid));
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = await this.store.get<string>(userCodeKey(userCode));
    return id === undefined ? undefined : this.find(id);
  }

  /**
   * Marks an artifact consumed, atomically: of two requests racing to consume the same code or
   * refresh token, one wins and the other gets invalid_grant (and the grant is revoked,
   * as for any replay), instead of both being served.
   */
  async consume(id: string): Promise<void> {
    const key = this.key(id);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await this.store.getVersioned<{ [field: string]: Json }>(key);
      if (!current) return;
      if (typeof current.value.consumed === 'number') {
        const grantId = current.value.grantId;
        if (typeof grantId === 'string') await this.revokeByGrantId(grantId);
        throw new errors.InvalidGrant(`${this.model === 'RefreshToken' ? 'refresh token' : 'authorization code'} already used`);
      }
      // oidc-provider's payloads carry their expiry (exp, epoch seconds): no second read for the TTL.
      const exp = current.value.exp;
      const ttlMs = typeof exp === 'number' ? exp * 1000 - Date.now() : await this.store.ttl(key);
      const next = { ...current.value, consumed: Math.floor(Date.now() / 1000) };
      if (await this.store.compareAndSet(key, current.version, next, ttlMs === undefined ? {} : { ttlMs: Math.max(1, Math.ceil(ttlMs)) })) return;
    }
    throw new Error(`could not consume ${key}: too much contention`);
  }

  async destroy(id: string): Promise<void> {
    const key = this.key(id);
    const payload = await this.find(id);
    await this.store.delete(key);
    if (payload) await removeSecondaryKeys(this.store, id, payload);
  }

  /** Every model's artifacts of the grant go at once (oidc-provider calls this once per model). */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.store.set(revokedKey(grantId), Date.now(), { ttlMs: this.options.grantArtifactTtlMs });
  }
}

/** The factory oidc-provider's `adapter` option takes: one adapter per model name. */
export function storeAdapterFactory(store: Store, options: AdapterOptions): (model: string) => StoreAdapter {
  return (model) => new StoreAdapter(model, store, options);
}

const uidKey = (uid: string) => `oidc:SessionUid:${uid}`;
const userCodeKey = (code: string) => `oidc:UserCode:${code}`;
const revokedKey = (grantId: string) => `oidc:RevokedGrant:${grantId}`;

async function removeSecondaryKeys(store: Store, id: string, payload: AdapterPayload): Promise<void> {
  if (payload.uid && (await store.get(uidKey(payload.uid))) === id) await store.delete(uidKey(payload.uid));
  if (payload.userCode && (await store.get(userCodeKey(payload.userCode))) === id) await store.delete(userCodeKey(payload.userCode));
}

/**
 * oidc-provider saves its session on every authorization request only to push its expiry on. Its
 * lifetime is that of a Latch session (the absolute timeout) counted from its last change, and every
 * new Latch sign-in changes it (loginTs), so it never ends before the Latch session it serves: an
 * otherwise unchanged session is not written again (two writes saved on every single sign-on).
 */
function sameSession(stored: Json | undefined, next: Json): boolean {
  if (!stored || typeof stored !== 'object' || Array.isArray(stored) || typeof next !== 'object' || next === null || Array.isArray(next)) return false;
  const { exp: _e1, iat: _i1, ...before } = stored;
  const { exp: _e2, iat: _i2, ...after } = next;
  return isDeepStrictEqual(before, after);
}

/** Payloads are JSON objects; undefined fields are dropped as JSON would. */
function toJson(payload: AdapterPayload): Json {
  return JSON.parse(JSON.stringify(payload)) as Json;
}
