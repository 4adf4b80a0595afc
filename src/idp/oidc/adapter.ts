import { isDeepStrictEqual } from 'node:util';
import { errors } from 'oidc-provider';
import type { Json, Store } from '../../store/contract.ts';
import { OIDC_MODELS, records, type OidcModel } from '../../store/records.ts';

// oidc-provider's storage contract (its "Adapter": upsert, find, findByUid, findByUserCode,
// consume, destroy, revokeByGrantId) on Latch's Store, so that codes, tokens, grants, sessions and
// interactions live in SQLite or Redis like the rest of Latch's state.
//
// Keys (src/store/records.ts): "oidc:<Model>:<id>" holds a payload; "oidc:SessionUid:<uid>" and
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
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

export interface AdapterOptions {
  /** How long anything issued under a grant can live (the longest token lifetime): how long a revocation mark is kept. */
  grantArtifactTtlMs: number;
}

const CAS_ATTEMPTS = 20;

/** A payload as stored: JSON, fields as oidc-provider named them. */
type StoredPayload = { [field: string]: Json };

const artifacts = records.oidcArtifact.holding<StoredPayload>();
/** The id of the session with a uid, and of the device code with a user code. */
const sessionOfUid = records.oidcSessionOfUid.holding<string>();
const artifactOfUserCode = records.oidcArtifactOfUserCode.holding<string>();
/** When a grant was revoked. */
const revokedGrants = records.oidcRevokedGrant.holding<number>();

export class StoreAdapter implements OidcAdapter {
  constructor(
    readonly model: OidcModel,
    private readonly store: Store,
    private readonly options: AdapterOptions,
  ) {}

  private key(id: string): { model: OidcModel; id: string } {
    return { model: this.model, id };
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const ttlMs = typeof expiresIn === 'number' ? Math.max(1, expiresIn * 1000) : undefined;
    const options = ttlMs === undefined ? {} : { ttlMs };
    const json = toJson(payload);
    if (this.model === 'Session' && sameSession(await artifacts.get(this.store, this.key(id)), json)) return;
    if (this.model === 'Session' && payload.uid) await sessionOfUid.set(this.store, payload.uid, id, options);
    if (payload.userCode) await artifactOfUserCode.set(this.store, payload.userCode, id, options);
    await artifacts.set(this.store, this.key(id), json, options);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const payload = (await artifacts.get(this.store, this.key(id))) as AdapterPayload | undefined;
    if (
      payload &&
      GRANTABLE.has(this.model) &&
      typeof payload.grantId === 'string' &&
      (await revokedGrants.get(this.store, payload.grantId)) !== undefined
    ) {
      return undefined;
    }
    return payload;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = await sessionOfUid.get(this.store, uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = await artifactOfUserCode.get(this.store, userCode);
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
      const current = await artifacts.getVersioned(this.store, key);
      if (!current) return;
      if (typeof current.value.consumed === 'number') {
        const grantId = current.value.grantId;
        if (typeof grantId === 'string') await this.revokeByGrantId(grantId);
        throw new errors.InvalidGrant(
          `${this.model === 'RefreshToken' ? 'refresh token' : 'authorization code'} already used`,
        );
      }
      // oidc-provider's payloads carry their expiry (exp, epoch seconds): no second read for the TTL.
      const exp = current.value.exp;
      const ttlMs = typeof exp === 'number' ? exp * 1000 - Date.now() : await artifacts.ttl(this.store, key);
      const next = { ...current.value, consumed: Math.floor(Date.now() / 1000) };
      if (
        await artifacts.compareAndSet(
          this.store,
          key,
          current.version,
          next,
          ttlMs === undefined ? {} : { ttlMs: Math.max(1, Math.ceil(ttlMs)) },
        )
      )
        return;
    }
    throw new Error(`could not consume ${artifacts.key(key)}: too much contention`);
  }

  async destroy(id: string): Promise<void> {
    const payload = await this.find(id);
    await artifacts.delete(this.store, this.key(id));
    if (payload) await removeSecondaryKeys(this.store, id, payload);
  }

  /** Every model's artifacts of the grant go at once (oidc-provider calls this once per model). */
  async revokeByGrantId(grantId: string): Promise<void> {
    await revokedGrants.set(this.store, grantId, Date.now(), { ttlMs: this.options.grantArtifactTtlMs });
  }
}

/** The factory oidc-provider's `adapter` option takes: one adapter per model name. */
export function storeAdapterFactory(store: Store, options: AdapterOptions): (model: string) => StoreAdapter {
  return (model) => new StoreAdapter(oidcModel(model), store, options);
}

/** Models are a closed list (src/store/records.ts), so their keys cannot collide with the adapter's own. */
function oidcModel(name: string): OidcModel {
  const model = OIDC_MODELS.find((known) => known === name);
  if (!model)
    throw new Error(
      `oidc-provider asked for storage of an unknown model "${name}"; add it to OIDC_MODELS in src/store/records.ts`,
    );
  return model;
}

async function removeSecondaryKeys(store: Store, id: string, payload: AdapterPayload): Promise<void> {
  if (payload.uid && (await sessionOfUid.get(store, payload.uid)) === id) await sessionOfUid.delete(store, payload.uid);
  if (payload.userCode && (await artifactOfUserCode.get(store, payload.userCode)) === id)
    await artifactOfUserCode.delete(store, payload.userCode);
}

/**
 * oidc-provider saves its session on every authorization request only to push its expiry on. Its
 * lifetime is that of a Latch session (the absolute timeout) counted from its last change, and every
 * new Latch sign-in changes it (loginTs), so it never ends before the Latch session it serves: an
 * otherwise unchanged session is not written again (two writes saved on every single sign-on).
 */
function sameSession(stored: Json | undefined, next: Json): boolean {
  if (
    !stored ||
    typeof stored !== 'object' ||
    Array.isArray(stored) ||
    typeof next !== 'object' ||
    next === null ||
    Array.isArray(next)
  )
    return false;
  const { exp: _e1, iat: _i1, ...before } = stored;
  const { exp: _e2, iat: _i2, ...after } = next;
  return isDeepStrictEqual(before, after);
}

/** Payloads are JSON objects; undefined fields are dropped as JSON would. */
function toJson(payload: AdapterPayload): StoredPayload {
  return JSON.parse(JSON.stringify(payload)) as StoredPayload;
}
