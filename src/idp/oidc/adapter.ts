import { errors } from 'oidc-provider';
import type { Json, Store } from '../../store/contract.ts';

// oidc-provider's storage contract (its "Adapter": upsert, find, findByUid, findByUserCode,
// consume, destroy, revokeByGrantId) on Latch's Store, so that codes, tokens, grants, sessions and
// interactions live in SQLite or Redis like the rest of Latch's state.
//
// Keys: "oidc:<Model>:<id>" holds a payload; "oidc:SessionUid:<uid>" and
// "oidc:UserCode:<code>" point at the id that has them; "oidc:GrantMembers:<grantId>" lists the
// payload keys issued under a grant (with their expiry), so that revoking a grant finds them all.

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

/** Grant members: payload key → expiry (epoch ms; null = none). */
type Members = Record<string, number | null>;

const CAS_ATTEMPTS = 20;

export class StoreAdapter implements OidcAdapter {
  constructor(
    readonly model: string,
    private readonly store: Store,
  ) {}

  private key(id: string): string {
    return `oidc:${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const ttlMs = typeof expiresIn === 'number' ? Math.max(1, expiresIn * 1000) : undefined;
    const options = ttlMs === undefined ? {} : { ttlMs };
    if (this.model === 'Session' && payload.uid) await this.store.set(uidKey(payload.uid), id, options);
    if (payload.userCode) await this.store.set(userCodeKey(payload.userCode), id, options);
    if (GRANTABLE.has(this.model) && payload.grantId) {
      await updateMembers(this.store, payload.grantId, (members) => {
        members[this.key(id)] = ttlMs === undefined ? null : Date.now() + ttlMs;
      });
    }
    await this.store.set(this.key(id), toJson(payload), options);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return (await this.store.get<Json>(this.key(id))) as AdapterPayload | undefined;
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
      const ttlMs = await this.store.ttl(key);
      const next = { ...current.value, consumed: Math.floor(Date.now() / 1000) };
      if (await this.store.compareAndSet(key, current.version, next, ttlMs === undefined ? {} : { ttlMs: Math.max(1, ttlMs) })) return;
    }
    throw new Error(`could not consume ${key}: too much contention`);
  }

  async destroy(id: string): Promise<void> {
    const key = this.key(id);
    const payload = await this.find(id);
    await this.store.delete(key);
    if (!payload) return;
    await removeSecondaryKeys(this.store, id, payload);
    if (GRANTABLE.has(this.model) && payload.grantId) {
      await updateMembers(this.store, payload.grantId, (members) => {
        delete members[key];
      });
    }
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const members = (await this.store.take<Members>(membersKey(grantId))) ?? {};
    for (const key of Object.keys(members)) {
      const payload = (await this.store.take<Json>(key)) as AdapterPayload | undefined;
      if (payload) await removeSecondaryKeys(this.store, payload.jti ?? key.slice(key.lastIndexOf(':') + 1), payload);
    }
  }
}

/** The factory oidc-provider's `adapter` option takes: one adapter per model name. */
export function storeAdapterFactory(store: Store): (model: string) => StoreAdapter {
  return (model) => new StoreAdapter(model, store);
}

const uidKey = (uid: string) => `oidc:SessionUid:${uid}`;
const userCodeKey = (code: string) => `oidc:UserCode:${code}`;
const membersKey = (grantId: string) => `oidc:GrantMembers:${grantId}`;

async function removeSecondaryKeys(store: Store, id: string, payload: AdapterPayload): Promise<void> {
  if (payload.uid && (await store.get(uidKey(payload.uid))) === id) await store.delete(uidKey(payload.uid));
  if (payload.userCode && (await store.get(userCodeKey(payload.userCode))) === id) await store.delete(userCodeKey(payload.userCode));
}

/** Read-modify-write of a grant's member list; expired members are dropped and the key lives as long as its longest member. */
async function updateMembers(store: Store, grantId: string, change: (members: Members) => void): Promise<void> {
  const key = membersKey(grantId);
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const current = await store.getVersioned<Members>(key);
    const members: Members = { ...(current?.value ?? {}) };
    change(members);
    const now = Date.now();
    for (const [member, expiresAt] of Object.entries(members)) if (expiresAt !== null && expiresAt <= now) delete members[member];
    const expiries = Object.values(members);
    if (expiries.length === 0) {
      if (current) await store.delete(key);
      return;
    }
    const options = expiries.includes(null) ? {} : { ttlMs: Math.max(...(expiries as number[])) - now };
    const written = current
      ? await store.compareAndSet(key, current.version, members, options)
      : await store.createIfAbsent(key, members, options);
    if (written) return;
  }
  throw new Error(`could not update ${key}: too much contention`);
}

/** Payloads are JSON objects; undefined fields are dropped as JSON would. */
function toJson(payload: AdapterPayload): Json {
  return JSON.parse(JSON.stringify(payload)) as Json;
}
