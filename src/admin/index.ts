import type { Route } from '../http/route.ts';
import type { Services } from '../services.ts';
import { Access } from './access.ts';
import { apiRoutes } from './api.ts';
import { consoleRoutes } from './console/routes.ts';
import { AdminAudit } from './audit.ts';
import { AdminRoleGrants } from './granted-roles.ts';
import type { AdminDeps } from './deps.ts';
import type { Operation } from './operation.ts';
import { adminRoleOperations } from './ops/admin-roles.ts';
import { applicationOperations } from './ops/applications.ts';
import { logOperations } from './ops/log.ts';
import { oidcClientOperations } from './ops/oidc-clients.ts';
import { policyOperations } from './ops/policies.ts';
import { userOperations } from './ops/users.ts';
import { AdminTokens } from './tokens.ts';

// The operators' console, assembled from Latch's services: the table of operations (the API
// mounts every one), the role checks and audit around them, and the audit log's retention.

export interface Admin {
  deps: AdminDeps;
  operations: Operation[];
  access: Access;
  routes: Route[];
}

export function allOperations(deps: AdminDeps): Operation[] {
  return [
    ...userOperations(deps),
    ...applicationOperations(deps),
    ...oidcClientOperations(deps),
    ...policyOperations(deps),
    ...logOperations(deps),
    ...adminRoleOperations(deps),
  ];
}

export function createAdmin(services: Services): Admin {
  const { config, store, log } = services;
  const audit = new AdminAudit(store, log);
  services.retention.add({ name: 'adminaudit', stream: audit.stream(), retentionMs: config.admin.auditRetention });
  const deps: AdminDeps = {
    ...services,
    tokens: new AdminTokens(store),
    audit,
    roleGrants: new AdminRoleGrants(store),
  };
  const operations = allOperations(deps);
  const access = new Access(audit);
  const routes = config.admin.enabled
    ? [
        ...apiRoutes({ operations, access, tokens: deps.tokens, baseUrl: config.server.baseUrl }),
        ...consoleRoutes(services, deps, operations, access),
      ]
    : [];
  return { deps, operations, access, routes };
}
