import { randomBytes } from 'node:crypto';
import type { AdminRole } from '../config/admin.ts';
import type { Store } from '../store/contract.ts';
import { records } from '../store/records.ts';
import { randomId, safeEqual, sha256 } from '../util/random.ts';

// API tokens for scripts (`npx latch admin token create NAME --role ROLE`): "latch-admin.<id>.<secret>",
// printed once. The store keeps the name, the role and a hash of the secret (256 random bits, so
// a plain SHA-256 cannot be reversed), found by the id in the token and compared in constant
// time. Revoking deletes the record: the next request with the token is refused.

// A type, not an interface, so that it is assignable to the store's Json.
export type AdminToken = {
  id: string;
  name: string;
  role: AdminRole;
  secretHash: string;
  createdAt: number;
  createdBy: string;
  lastUsedAt: number | null;
};

export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const TOKEN = /^latch-admin\.([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;
/** Recording the last use on every request would write on every request; once a minute is enough. */
const TOUCH_EVERY_MS = 60_000;

const tokens = records.adminToken.holding<AdminToken>();
const tokenOfName = records.adminTokenOfName.holding<string>();

export type CreateResult =
  { ok: true; token: string; record: AdminToken } | { ok: false; reason: 'bad-name' | 'name-taken' };

export class AdminTokens {
  constructor(private readonly store: Store) {}

  async create(name: string, role: AdminRole, createdBy: string): Promise<CreateResult> {
    if (!TOKEN_NAME.test(name)) return { ok: false, reason: 'bad-name' };
    const id = randomBytes(8).toString('hex');
    if (!(await tokenOfName.createIfAbsent(this.store, name.toLowerCase(), id)))
      return { ok: false, reason: 'name-taken' };
    const secret = randomId();
    const record: AdminToken = {
      id,
      name,
      role,
      secretHash: sha256(secret),
      createdAt: Date.now(),
      createdBy,
      lastUsedAt: null,
    };
    await tokens.set(this.store, id, record);
    await records.adminTokens.add(this.store, id);
    return { ok: true, token: `latch-admin.${id}.${secret}`, record };
  }

  /** The revoked token, or undefined when there is none of that name. */
  async revoke(name: string): Promise<AdminToken | undefined> {
    const id = await tokenOfName.take(this.store, name.toLowerCase());
    if (id === undefined) return undefined;
    const record = await tokens.take(this.store, id);
    await records.adminTokens.remove(this.store, id);
    return record;
  }

  async list(): Promise<AdminToken[]> {
    const ids = await records.adminTokens.list(this.store);
    const found = await Promise.all(ids.map((id) => tokens.get(this.store, id)));
    return found.filter((t): t is AdminToken => t !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The token a bearer value names, when its secret matches; undefined for anything else. */
  async verify(presented: string): Promise<AdminToken | undefined> {
    const match = TOKEN.exec(presented);
    if (!match) return undefined;
    const found = await tokens.getVersioned(this.store, match[1]!);
    const record = found?.value;
    if (!found || !record || !safeEqual(record.secretHash, sha256(match[2]!))) return undefined;
    const now = Date.now();
    if (record.lastUsedAt === null || now - record.lastUsedAt >= TOUCH_EVERY_MS) {
      // Compare-and-set: a token revoked meanwhile is not written back to life.
      await tokens.compareAndSet(this.store, record.id, found.version, { ...record, lastUsedAt: now });
    }
    return record;
  }
}
