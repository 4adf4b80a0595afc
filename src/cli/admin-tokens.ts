import { userInfo } from 'node:os';
import { AdminAudit } from '../admin/audit.ts';
import { AdminTokens } from '../admin/tokens.ts';
import { ADMIN_ROLES, type AdminRole } from '../config/admin.ts';
import type { LatchConfig } from '../config/schema.ts';
import { createLogger } from '../ops/logger.ts';
import { openStore } from '../store/index.ts';
import { when } from './second-factor-admin.ts';
import { table } from './table.ts';

// `latch admin token …`: API tokens for the admin API (/admin/api/v1/). The token is printed once;
// the store keeps a hash. Each change goes to the admin audit log as done by the command line.

async function withTokens<T>(
  config: LatchConfig,
  body: (tokens: AdminTokens, audit: AdminAudit) => Promise<T>,
): Promise<T> {
  const log = createLogger('silent');
  const store = await openStore(config.store, log);
  try {
    return await body(new AdminTokens(store), new AdminAudit(store, log));
  } finally {
    await store.close();
  }
}

const actor = () => `latch admin (${userInfo().username})`;

export async function adminToken(
  config: LatchConfig,
  action: string | undefined,
  name: string | undefined,
  role: string | undefined,
): Promise<string> {
  switch (action) {
    case 'create':
      return createToken(config, name, role);
    case 'revoke':
      return revokeToken(config, name);
    case 'list':
      return listTokens(config);
    default:
      throw new Error('usage: latch admin token create NAME --role ROLE | revoke NAME | list');
  }
}

async function createToken(config: LatchConfig, name: string | undefined, role: string | undefined): Promise<string> {
  if (!name) throw new Error('missing NAME: latch admin token create NAME --role ROLE');
  if (!role || !(ADMIN_ROLES as readonly string[]).includes(role)) {
    throw new Error(
      `--role ${role === undefined ? 'is missing' : `"${role}" is not a role`}: expected ${ADMIN_ROLES.join(', ')}; no token was made`,
    );
  }
  return withTokens(config, async (tokens, audit) => {
    const made = await tokens.create(name, role as AdminRole, actor());
    if (!made.ok) {
      throw new Error(
        made.reason === 'name-taken'
          ? `a token named "${name}" exists already: revoke it first (latch admin token revoke ${name}); no token was made`
          : `"${name}" is not a token name: expected 1-64 letters, digits, ".", "_" or "-"; no token was made`,
      );
    }
    await audit.record({
      actor: actor(),
      actorKind: 'cli',
      role: null,
      action: 'createToken',
      target: `token ${name}`,
      result: 'done',
      after: { name, role },
    });
    return `${made.token}\n\nThis is the only time the token is shown. Send it as "Authorization: Bearer <token>" to ${config.server.baseUrl}/admin/api/v1/ (role: ${role}).`;
  });
}

async function revokeToken(config: LatchConfig, name: string | undefined): Promise<string> {
  if (!name) throw new Error('missing NAME: latch admin token revoke NAME');
  return withTokens(config, async (tokens, audit) => {
    const revoked = await tokens.revoke(name);
    if (!revoked) throw new Error(`there is no token named "${name}" (latch admin token list)`);
    await audit.record({
      actor: actor(),
      actorKind: 'cli',
      role: null,
      action: 'revokeToken',
      target: `token ${name}`,
      result: 'done',
      before: { name, role: revoked.role },
    });
    return `Revoked the token "${revoked.name}": requests with it are refused from now on.`;
  });
}

async function listTokens(config: LatchConfig): Promise<string> {
  return withTokens(config, async (tokens) => {
    const list = await tokens.list();
    if (list.length === 0) return 'No admin API tokens. Make one with: latch admin token create NAME --role ROLE';
    return table(
      ['NAME', 'ROLE', 'CREATED', 'CREATED BY', 'LAST USED'],
      list.map((t) => [t.name, t.role, when(t.createdAt), t.createdBy, when(t.lastUsedAt ?? undefined)]),
    );
  });
}
