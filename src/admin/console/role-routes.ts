import type { Route } from '../../http/route.ts';
import { confirmPage, donePage } from './pages.ts';
import type { ConsoleKit } from './kit.ts';
import { rolesPage, type RoleHolder } from './role-pages.ts';

// The console's Administrators page: who holds which role; owners grant and revoke.

const BACK = '/admin/roles';

export function roleRoutes({ page, post, run, show }: ConsoleKit): Route[] {
  return [
    page(BACK, 'roles:read', async (ctx, signed) => {
      const { roles } = (await run('listAdminRoles', signed, {})) as { roles: RoleHolder[] };
      show(ctx, signed, BACK, 'Administrators', rolesPage(signed.frame, roles));
    }),
    post(
      BACK,
      BACK,
      () => BACK,
      async (signed, body) => {
        const params = { kind: body.kind ?? '', name: (body.name ?? '').trim() };
        const granted = (await run('grantAdminRole', signed, {
          params,
          body: { role: body.role ?? '' },
        })) as RoleHolder;
        return donePage(`${granted.kind} ${granted.name} is ${granted.role} now, on every node.`, BACK);
      },
    ),
    page('/admin/roles/:kind/:name/revoke', 'roles:write', async (ctx, signed, params) =>
      show(
        ctx,
        signed,
        BACK,
        `Revoke the role of ${params.name}?`,
        confirmPage(
          signed.frame,
          `/admin/roles/${encodeURIComponent(params.kind ?? '')}/${encodeURIComponent(params.name ?? '')}/revoke`,
          `${params.name} loses the role granted in the console at their next request; a role from the configuration file stays.`,
          {},
          BACK,
        ),
      ),
    ),
    post(
      '/admin/roles/:kind/:name/revoke',
      BACK,
      () => BACK,
      async (signed, _body, params) => {
        await run('revokeAdminRole', signed, { params });
        return donePage(`Revoked the role of ${params.name}.`, BACK);
      },
    ),
  ];
}
