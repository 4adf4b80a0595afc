import YAML from 'yaml';
import type { SignInRequest } from '../../authn/contract.ts';
import type { Ctx } from '../../http/context.ts';
import { ANSWERED, form, route, type Answered, type Form, type Route } from '../../http/route.ts';
import type { Services } from '../../services.ts';
import { asLatchError, LatchError } from '../../util/errors.ts';
import type { Html } from '../../util/html.ts';
import type { Access } from '../access.ts';
import { isDownload, type Caller, type Operation } from '../operation.ts';
import { InputError } from '../problems.ts';
import { allows, roleOf, type Permission } from '../roles.ts';
import type { AdminDeps } from '../deps.ts';
import {
  applicationsPage,
  policiesPage,
  samlAppPage,
  type AppRow,
  type EffectiveView,
  type PoliciesView,
  type SamlAppView,
} from './app-pages.ts';
import type { ConsoleKit, Signed } from './kit.ts';
import { consolePage } from './layout.ts';
import { filtersOf, LOG_FILTERS, logPage, overviewPage, type LogEntryView } from './log-pages.ts';
import { readMultipart } from './multipart.ts';
import { overview } from './overview.ts';
import { roleRoutes } from './role-routes.ts';
import { auditRoutes } from './audit-page.ts';
import { oidcClientRoutes } from './oidc-page.ts';
import {
  confirmPage,
  donePage,
  problemPage,
  shownOncePage,
  usersPage,
  userPage,
  type UserDetail,
  type UserRow,
} from './pages.ts';

// The console at /admin/: server-rendered pages over the same operations as the API (so a role is
// checked and a change audited in one place, access.ts). Administrators sign in through Latch
// itself, always with a second factor or a passkey (the console asks for the "mfa" level, which
// no policy can lower), and are administrators by admin.users or admin.groups. Every form carries
// a CSRF token bound to the session.

export const CONSOLE_APP = { id: 'latch-admin', name: 'Latch console', protocol: 'account' } as const;
const UPLOAD_LIMIT = 3 * 1024 * 1024;

export function consoleRoutes(services: Services, deps: AdminDeps, operations: Operation[], access: Access): Route[] {
  const { config, csrf } = services;
  const byId = new Map(operations.map((op) => [op.id, op]));
  const request = (): SignInRequest => ({
    app: CONSOLE_APP,
    constraints: { acceptableLevels: ['mfa', 'passwordless'] },
    continuation: { returnPath: '/admin/continue', data: null },
  });

  async function signedIn(ctx: Ctx): Promise<Signed | Answered> {
    const session = await services.liveSessions.current(ctx, CONSOLE_APP.id);
    if (!session || session.level === 'password') {
      ctx.redirect('/admin/sign-in');
      return ANSWERED;
    }
    // The console's grants are read on every request: a grant or a revocation applies at once, on every node.
    const role = roleOf(session.user, config.admin, await deps.roleGrants.get());
    if (!role) {
      throw new LatchError({
        status: 403,
        code: 'not_an_administrator',
        publicMessage: `${session.user.username} is not an administrator of this Latch.`,
        hint: 'An owner can grant you a role in the console (Administrators), or in admin.users or admin.groups.',
        links: [{ href: '/', label: 'Your account' }],
        detail: `console refused ${session.user.username}: no admin role`,
      });
    }
    const caller: Caller = {
      kind: 'user',
      name: session.user.username,
      role,
      ip: ctx.state.clientIp,
      userAgent: ctx.get('user-agent') || 'unknown',
    };
    return {
      caller,
      sid: session.sid,
      frame: { caller, csrf: csrf.issue(`admin:${session.sid}`), logoutCsrf: csrf.issue(`logout:${session.sid}`) },
    };
  }

  const run = (
    op: string,
    signed: Signed,
    raw: { params?: Record<string, string>; query?: Record<string, unknown>; body?: unknown },
  ) =>
    access.perform(byId.get(op)!, signed.caller, { params: raw.params ?? {}, query: raw.query ?? {}, body: raw.body });

  const show = (ctx: Ctx, signed: Signed, current: string, title: string, body: Html, status = 200) => {
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = consolePage(signed.frame, current, title, body).text;
  };

  /** A form's change: done, or the problems on a page (nothing changed), with a way back. */
  async function change(
    ctx: Ctx,
    signed: Signed,
    current: string,
    back: string,
    act: () => Promise<Html>,
  ): Promise<void> {
    try {
      show(ctx, signed, current, 'Done', await act());
    } catch (err) {
      const error = asLatchError(err);
      if (!error.expose || error.status >= 500) throw err;
      show(
        ctx,
        signed,
        current,
        error.status === 403 ? 'Not allowed' : 'Not changed',
        problemPage(error.publicMessage, err instanceof InputError ? err.problems : [], back),
        error.status,
      );
    }
  }

  const csrfCheck = {
    tokens: csrf,
    purpose: (signed: Signed) => `admin:${signed.sid}`,
    refuse: () => {
      throw new LatchError({
        status: 403,
        code: 'csrf',
        publicMessage: 'This form has expired or did not come from the console.',
        hint: 'Open the page again and resubmit.',
        links: [{ href: '/admin/', label: 'Console' }],
      });
    },
  };

  const page = (
    path: string,
    permission: Permission,
    handle: (ctx: Ctx, signed: Signed, params: Record<string, string>) => Promise<void>,
  ) =>
    route({
      method: 'get',
      path,
      auth: signedIn,
      async handle(ctx, { caller: signed, params }) {
        if (!allows(signed.caller.role, permission)) {
          throw new LatchError({
            status: 403,
            code: 'forbidden',
            publicMessage: `Your role (${signed.caller.role}) does not include this page.`,
            links: [{ href: '/admin/', label: 'Console' }],
          });
        }
        await handle(ctx, signed, params);
      },
    });

  const post = (
    path: string,
    current: string,
    back: (params: Record<string, string>) => string,
    act: (signed: Signed, form: Form, params: Record<string, string>) => Promise<Html>,
    upload = false,
  ) =>
    route({
      method: 'post',
      path,
      auth: signedIn,
      body: upload ? { read: (ctx: Ctx) => readMultipart(ctx, UPLOAD_LIMIT) } : form(config.server.maxBodyBytes),
      csrf: csrfCheck,
      async handle(ctx, { caller: signed, body, params }) {
        await change(ctx, signed, current, back(params), () => act(signed, body, params));
      },
    });

  const download = (
    path: string,
    op: string,
    params: (p: Record<string, string>) => Record<string, string>,
    permission: Permission,
  ) =>
    page(path, permission, async (ctx, signed, p) => {
      const value = await run(op, signed, { params: params(p), query: ctx.query });
      if (!isDownload(value)) throw new Error(`${op} did not answer a download`);
      ctx.type = value.type;
      ctx.attachment(value.filename);
      ctx.body = value.body;
    });

  const kit: ConsoleKit = { page, post, run, show };
  const userBack = (p: Record<string, string>) => `/admin/users/${encodeURIComponent(p.username ?? '')}`;

  return [
    route({
      method: 'get',
      path: '/admin/sign-in',
      async handle(ctx) {
        const outcome = await services.signIn.start(ctx, request());
        if (outcome?.kind === 'done') ctx.redirect('/admin/');
      },
    }),
    route({
      method: 'get',
      path: '/admin/continue',
      async handle(ctx) {
        const outcome = await services.signIn.finish(ctx);
        if (outcome?.kind === 'done') return ctx.redirect('/admin/');
        throw new LatchError({
          status: outcome ? 403 : 400,
          code: outcome ? 'sign_in_failed' : 'expired',
          publicMessage:
            outcome?.failure === 'level-unavailable'
              ? 'The console needs a second factor or a passkey, and your account has none.'
              : outcome
                ? 'The sign-in did not complete.'
                : 'Your sign-in session expired.',
          hint:
            outcome?.failure === 'level-unavailable'
              ? 'Set one up on your account page, then sign in again.'
              : 'Start again from the beginning.',
          links: [{ href: '/admin/', label: 'Start again' }],
          detail: outcome
            ? `console sign-in ended with ${outcome.failure}`
            : 'no finished sign-in at the console continuation',
        });
      },
    }),
    page('/admin/', 'overview:read', async (ctx, signed) =>
      show(ctx, signed, '/admin/', 'Overview', overviewPage(signed.frame, await overview(deps))),
    ),

    // ---- Users
    page('/admin/users', 'users:read', async (ctx, signed) => {
      const q = String(ctx.query.q ?? '');
      const group = String(ctx.query.group ?? '');
      const sort = ctx.query.sort === 'email' || ctx.query.sort === 'displayName' ? ctx.query.sort : 'username';
      const order = ctx.query.order === 'desc' ? 'desc' : 'asc';
      const found = (await run('searchUsers', signed, {
        query: { ...(q ? { q } : {}), ...(group ? { group } : {}), sort, order },
      })) as { users: UserRow[]; more: boolean };
      show(
        ctx,
        signed,
        '/admin/users',
        'Users',
        usersPage(signed.frame, { q, group, sort, order }, found.users, found.more),
      );
    }),
    download('/admin/users/export', 'exportUsers', () => ({}), 'users:export'),
    page('/admin/users/:username', 'users:read', async (ctx, signed, params) => {
      const detail = (await run('getUser', signed, { params })) as UserDetail;
      show(ctx, signed, '/admin/users', detail.user.username, userPage(signed.frame, detail));
    }),
    page('/admin/users/:username/remove', 'users:write', async (ctx, signed, params) => {
      const detail = (await run('getUser', signed, { params })) as UserDetail;
      const name = detail.user.username;
      if (ctx.query.all) {
        return show(
          ctx,
          signed,
          '/admin/users',
          `Remove every authenticator of ${name}?`,
          confirmPage(
            signed.frame,
            `/admin/users/${encodeURIComponent(name)}/remove-all`,
            `${name} will sign in with the password alone, and will have to set up a second factor at their next sign-in where the policy asks for one. Their bypass codes stop working.`,
            {},
            userBack(params),
          ),
        );
      }
      const found = detail.authenticators.find((a) => a.method === ctx.query.method && a.id === ctx.query.id);
      if (!found)
        throw new LatchError({
          status: 404,
          code: 'not_found',
          publicMessage: `${name} has no such authenticator.`,
          links: [{ href: userBack(params), label: name }],
        });
      const others = detail.authenticators.filter((a) => a.factor && a !== found).length;
      const consequence = found.passwordless
        ? `${name} will no longer sign in with "${found.name}" without a password: they will sign in with their password${others > 0 ? ' and another second factor' : ''}.`
        : others > 0
          ? `${name} will use one of their other second factors.`
          : `${name} will have no second factor left and will have to set one up at their next sign-in.`;
      show(
        ctx,
        signed,
        '/admin/users',
        `Remove ${found.kind} "${found.name}" from ${name}?`,
        confirmPage(
          signed.frame,
          `/admin/users/${encodeURIComponent(name)}/remove`,
          consequence,
          { method: found.method, id: found.id },
          userBack(params),
        ),
      );
    }),
    post('/admin/users/:username/remove', '/admin/users', userBack, async (signed, body, params) => {
      await run('removeAuthenticator', signed, {
        params: { username: params.username ?? '', method: body.method ?? '', id: body.id ?? '' },
      });
      return donePage(`Removed it from ${params.username}.`, userBack(params));
    }),
    post('/admin/users/:username/remove-all', '/admin/users', userBack, async (signed, _body, params) => {
      const done = (await run('removeAllAuthenticators', signed, { params })) as { removed: number };
      return donePage(`Removed ${done.removed} authenticator(s) from ${params.username}.`, userBack(params));
    }),
    post('/admin/users/:username/bypass-codes', '/admin/users', userBack, async (signed, body, params) => {
      const made = (await run('generateBypassCodes', signed, {
        params,
        body: { count: Number(body.count || 1), expires: body.expires || '1d' },
      })) as { codes: string[] };
      return shownOncePage(`Bypass codes for ${params.username}.`, made.codes, userBack(params));
    }),
    post('/admin/users/:username/phone-activation', '/admin/users', userBack, async (signed, _body, params) => {
      const made = (await run('createActivationLink', signed, { params })) as { url: string };
      return shownOncePage(`The activation link for ${params.username}'s phone.`, [made.url], userBack(params));
    }),
    page('/admin/users/:username/sign-out', 'users:write', async (ctx, signed, params) =>
      show(
        ctx,
        signed,
        '/admin/users',
        `Sign ${params.username} out everywhere?`,
        confirmPage(
          signed.frame,
          `/admin/users/${encodeURIComponent(params.username ?? '')}/sign-out`,
          `Every Latch session of ${params.username} ends, and OpenID Connect applications are told to end theirs; they will have to sign in again.`,
          {},
          userBack(params),
        ),
      ),
    ),
    post('/admin/users/:username/sign-out', '/admin/users', userBack, async (signed, _body, params) => {
      const done = (await run('signOutUser', signed, { params })) as { ended: number };
      return donePage(`Ended ${done.ended} session(s) of ${params.username}.`, userBack(params));
    }),

    // ---- Applications
    page('/admin/applications', 'applications:read', async (ctx, signed) => {
      const { applications } = (await run('listApplications', signed, {})) as { applications: AppRow[] };
      show(ctx, signed, '/admin/applications', 'Applications', applicationsPage(signed.frame, applications));
    }),
    page('/admin/applications/saml/:key', 'applications:read', async (ctx, signed, params) => {
      const app = (await run('getSamlApplication', signed, { params })) as SamlAppView;
      show(ctx, signed, '/admin/applications', app.name, samlAppPage(signed.frame, app));
    }),
    post(
      '/admin/applications/saml/:key/options',
      '/admin/applications',
      (p) => `/admin/applications/saml/${encodeURIComponent(p.key ?? '')}`,
      async (signed, body, params) => {
        await run('updateSamlApplication', signed, { params, body: yamlField(body, 'options') });
        return donePage(
          `Saved the options of ${params.key}: every node uses them now.`,
          `/admin/applications/saml/${encodeURIComponent(params.key ?? '')}`,
        );
      },
    ),
    download(
      '/admin/applications/saml/:key/idp-metadata',
      'getSamlIdpMetadata',
      (p) => ({ key: p.key ?? '' }),
      'applications:read',
    ),
    download(
      '/admin/applications/saml/:key/signing-certificate',
      'getSigningCertificate',
      (p) => ({ key: p.key ?? '' }),
      'applications:read',
    ),
    post(
      '/admin/applications/saml',
      '/admin/applications',
      () => '/admin/applications',
      async (signed, body) => {
        const entry: Record<string, string> = { key: body.key ?? '' };
        if (body.name) entry.name = body.name;
        if (body.preset) entry.preset = body.preset;
        if (body.metadataFile) entry.metadataXml = body.metadataFile;
        else if (body.metadataUrl) entry.metadataUrl = body.metadataUrl;
        const added = (await run('createSamlApplication', signed, { body: entry })) as AppRow;
        return donePage(`Added ${added.name} (${added.id}). Every node trusts it now.`, '/admin/applications');
      },
      true,
    ),
    post(
      '/admin/applications/saml/:key/delete',
      '/admin/applications',
      () => '/admin/applications',
      async (signed, _body, params) => {
        await run('deleteSamlApplication', signed, { params });
        return donePage(`Removed ${params.key}: users can no longer sign in to it.`, '/admin/applications');
      },
    ),
    post(
      '/admin/applications/oidc',
      '/admin/applications',
      () => '/admin/applications',
      async (signed, body) => {
        const registration = {
          client_id: body.client_id ?? '',
          ...(body.client_name ? { client_name: body.client_name } : {}),
          ...(body.public === 'true' ? { public: true } : {}),
          redirect_uris: (body.redirect_uris ?? '')
            .split(/\r?\n/)
            .map((s) => s.trim())
            .filter(Boolean),
        };
        const added = (await run('createOidcClient', signed, { body: registration })) as {
          client_id: string;
          client_secret?: string;
        };
        return added.client_secret
          ? shownOncePage(`The client secret of ${added.client_id}.`, [added.client_secret], '/admin/applications')
          : donePage(`Added the public client ${added.client_id}.`, '/admin/applications');
      },
    ),
    post(
      '/admin/applications/oidc/:clientId/secret',
      '/admin/applications',
      () => '/admin/applications',
      async (signed, _body, params) => {
        const rotated = (await run('rotateOidcClientSecret', signed, { params })) as { client_secret: string };
        return shownOncePage(
          `The new client secret of ${params.clientId}; the old one no longer works.`,
          [rotated.client_secret],
          '/admin/applications',
        );
      },
    ),
    post(
      '/admin/applications/oidc/:clientId/delete',
      '/admin/applications',
      () => '/admin/applications',
      async (signed, _body, params) => {
        await run('deleteOidcClient', signed, { params });
        return donePage(`Removed ${params.clientId}.`, '/admin/applications');
      },
    ),

    // ---- Policies
    page('/admin/policies', 'policies:read', async (ctx, signed) => {
      const view = (await run('getPolicies', signed, {})) as PoliciesView;
      const user = String(ctx.query.user ?? '');
      const app = String(ctx.query.app ?? '');
      let effective: EffectiveView | undefined;
      if (user && app) {
        try {
          effective = {
            user,
            app,
            ...((await run('effectivePolicy', signed, { query: { user, app } })) as Pick<
              EffectiveView,
              'policy' | 'reasons'
            >),
          };
        } catch (err) {
          const error = asLatchError(err);
          if (!error.expose) throw err;
          return show(
            ctx,
            signed,
            '/admin/policies',
            'Policies',
            problemPage(error.publicMessage, err instanceof InputError ? err.problems : [], '/admin/policies'),
            error.status,
          );
        }
      }
      show(ctx, signed, '/admin/policies', 'Policies', policiesPage(signed.frame, view, effective, { user, app }));
    }),
    post(
      '/admin/policies/global',
      '/admin/policies',
      () => '/admin/policies',
      async (signed, body) => {
        await run('setGlobalPolicy', signed, { body: yamlField(body, 'layer') });
        return donePage('Saved: every node applies the global policy now.', '/admin/policies');
      },
    ),
    post(
      '/admin/policies/groups',
      '/admin/policies',
      () => '/admin/policies',
      async (signed, body) => {
        await run('setGroupPolicies', signed, { body: { groups: yamlField(body, 'groups') } });
        return donePage('Saved: every node applies the group policies now.', '/admin/policies');
      },
    ),
    post(
      '/admin/policies/application',
      '/admin/policies',
      () => '/admin/policies',
      async (signed, body) => {
        await run('setApplicationPolicy', signed, { params: { app: body.app ?? '' }, body: yamlField(body, 'layer') });
        return donePage(`Saved the policy of ${body.app}: every node applies it now.`, '/admin/policies');
      },
    ),
    post(
      '/admin/policies/passwordless',
      '/admin/policies',
      () => '/admin/policies',
      async (signed, body) => {
        await run('setPasswordless', signed, { body: { passwordless: body.passwordless ?? '' } });
        return donePage(
          body.passwordless === 'off'
            ? 'Passwordless sign-in is off for the organisation.'
            : 'Passwordless sign-in is on: the policies decide who may use it.',
          '/admin/policies',
        );
      },
    ),

    // ---- Authentication log
    page('/admin/log', 'log:read', async (ctx, signed) => {
      const { query, cursor } = filtersOf(ctx.query, LOG_FILTERS);
      try {
        const found = (await run('searchAuthLog', signed, { query: { ...query, ...cursor } })) as {
          entries: LogEntryView[];
          next?: string;
          searchedBackTo?: number;
        };
        show(
          ctx,
          signed,
          '/admin/log',
          'Authentication log',
          logPage(signed.frame, query, found.entries, found.next, found.searchedBackTo),
        );
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        show(
          ctx,
          signed,
          '/admin/log',
          'Authentication log',
          problemPage(err.publicMessage, err.problems, '/admin/log'),
          400,
        );
      }
    }),
    download('/admin/log/export', 'exportAuthLog', () => ({}), 'log:read'),
    ...auditRoutes(kit),
    ...oidcClientRoutes(kit),
    ...roleRoutes(kit),
  ];
}

/** A form field holding YAML (or JSON, which is YAML): its value, or bad input naming the field. */
function yamlField(form: Form, field: string): unknown {
  try {
    return YAML.parse(form[field] ?? '') ?? {};
  } catch (err) {
    throw new InputError([{ field, message: `expected YAML or JSON (${(err as Error).message.split('\n')[0]})` }]);
  }
}
