import { z } from 'zod';
import { parseDuration } from '../../config/duration.ts';
import type { DirectoryUser } from '../../directory/contract.ts';
import { activationUrl } from '../../methods/push/protocol.ts';
import type { AdminDeps } from '../deps.ts';
import { csvRow, JsonArrayWriter, streamed, writeTo } from '../export.ts';
import { operation, type Operation } from '../operation.ts';
import { formatQuery, notFound, queryInt, time, userNamed, usernameParam } from './common.ts';
import { authenticatorHolders, authenticatorSchema, authenticatorsOf, describeAuthenticator } from './user-details.ts';

// Users: search the directory, a user's page (groups, state, authenticators), remove an
// authenticator, bypass codes, an activation link for the phone, sign out everywhere, export.

const userSummary = z.object({
  username: z.string(),
  displayName: z.string().optional(),
  email: z.string().optional(),
  groups: z.array(z.string()).describe('Direct groups.'),
  disabled: z.boolean(),
});

const SORTS = ['username', 'email', 'displayName'] as const;

const bypassBatch = z.strictObject({
  count: z.number().int().min(1).max(100).default(1).describe('How many codes (1-100).'),
  uses: z.number().int().min(1).max(100).default(1).describe('Uses of each code (1-100).'),
  expires: z
    .string()
    .default('1d')
    .refine((v) => {
      const ms = parseDuration(v);
      return ms !== undefined && ms >= 60_000 && ms <= 365 * 86_400_000;
    }, 'expected a duration from 1m to 365d, such as "8h" or "7d"')
    .describe('How long the codes work ("8h", "7d"; 1m to 365d).'),
});

function summary(user: DirectoryUser) {
  return {
    username: user.username,
    displayName: user.displayName,
    email: user.email,
    groups: user.groups,
    disabled: user.disabled === true,
  };
}

export function userOperations(deps: AdminDeps): Operation[] {
  const target = (p: Record<string, string>) => `user ${p.username ?? '?'}`;
  return [
    operation({
      id: 'searchUsers',
      method: 'get',
      path: '/users',
      tag: 'Users',
      summary: 'Search users',
      description:
        'Users of the directory whose username, email or display name holds `q`, optionally in `group`; at most `limit`, sorted on the server.',
      permission: 'users:read',
      target: () => 'users',
      query: z.object({
        q: z.string().max(256).optional().describe('Part of the username, email or display name.'),
        group: z.string().max(256).optional().describe('Only members of this group (by name).'),
        limit: queryInt(1, 1000).optional(),
        sort: z.enum(SORTS, { error: 'expected username, email or displayName' }).default('username'),
        order: z.enum(['asc', 'desc'], { error: 'expected asc or desc' }).default('asc'),
      }),
      response: z.object({
        users: z.array(userSummary),
        more: z.boolean().describe('More users matched than `limit`: refine the search.'),
      }),
      async run({ query }) {
        const found = await deps.directory.searchUsers({
          text: query.q,
          group: query.group || undefined,
          limit: query.limit ?? deps.config.admin.pageSize,
        });
        const key = query.sort;
        const sign = query.order === 'asc' ? 1 : -1;
        const users = found.users.map(summary).sort((a, b) => sign * (a[key] ?? '').localeCompare(b[key] ?? ''));
        return { users, more: found.more };
      },
    }),
    operation({
      id: 'exportUsers',
      method: 'get',
      path: '/users/export',
      tag: 'Users',
      summary: 'Export all users',
      description:
        'Every user of the directory with their enrolment: Username, Email, Groups, Authenticators, Passwordless Enabled, Last Sign-in. Streamed.',
      permission: 'users:export',
      target: () => 'users',
      query: z.object({ format: formatQuery }),
      response: { download: ['text/csv', 'application/json'] },
      async run({ query }) {
        const csv = query.format === 'csv';
        const body = streamed(async (out) => {
          const json = new JsonArrayWriter(out);
          await (csv
            ? writeTo(
                out,
                csvRow(['Username', 'Email', 'Groups', 'Authenticators', 'Passwordless Enabled', 'Last Sign-in']),
              )
            : json.start());
          await deps.directory.eachUserPage(async (users) => {
            for (const user of users) {
              const authenticators = await authenticatorsOf(deps, user.id);
              const last = await deps.authLog.lastSignIn(user.id);
              const row = {
                username: user.username,
                email: user.email ?? '',
                groups: user.groups,
                authenticators: authenticators.map(describeAuthenticator),
                passwordlessEnabled: authenticators.some((a) => a.passwordless),
                lastSignIn: time(last?.at) || null,
              };
              await (csv
                ? writeTo(
                    out,
                    csvRow([
                      row.username,
                      row.email,
                      row.groups.join('; '),
                      row.authenticators.join('; '),
                      row.passwordlessEnabled ? 'yes' : 'no',
                      row.lastSignIn ?? '',
                    ]),
                  )
                : json.write(row));
            }
          });
          if (!csv) await json.end();
        }, deps.log);
        return {
          kind: 'download',
          type: csv ? 'text/csv; charset=utf-8' : 'application/json',
          filename: `latch-users.${query.format}`,
          body,
        };
      },
    }),
    operation({
      id: 'getUser',
      method: 'get',
      path: '/users/{username}',
      tag: 'Users',
      summary: 'A user, with every authenticator',
      permission: 'users:read',
      target,
      params: usernameParam,
      response: z.object({
        user: userSummary.extend({ id: z.string(), upn: z.string().optional() }),
        authenticators: z.array(authenticatorSchema),
        bypassCodes: z.object({ usable: z.number(), expiresAt: z.number().nullable() }),
        sessions: z.number().describe('Live IdP sessions.'),
        lastSignIn: z.object({ at: z.number(), app: z.string(), level: z.string() }).nullable(),
      }),
      async run({ params }) {
        const user = await userNamed(deps, params.username);
        const codes = await deps.passcodes.bypassCodes.list(user.id);
        return {
          user: { ...summary(user), id: user.id, upn: user.upn },
          authenticators: await authenticatorsOf(deps, user.id),
          bypassCodes: {
            usable: codes.length,
            expiresAt: codes.length > 0 ? Math.max(...codes.map((c) => c.expiresAt)) : null,
          },
          sessions: (await deps.sessions.listForUser(user.id)).length,
          lastSignIn: (await deps.authLog.lastSignIn(user.id)) ?? null,
        };
      },
    }),
    operation({
      id: 'removeAuthenticator',
      method: 'delete',
      path: '/users/{username}/authenticators/{method}/{id}',
      tag: 'Users',
      summary: 'Remove an authenticator',
      description:
        'Removes one passkey, security key, authenticator app, hardware token, the phone, a browser the user signed in with (method "browser": it is no longer remembered, trusted or known), or the bypass codes (method "bypass-codes", id "bypass-codes").',
      permission: 'users:write',
      changes: true,
      target: (p) => `user ${p.username ?? '?'}: ${p.method ?? '?'} ${p.id ?? '?'}`,
      params: usernameParam.extend({ method: z.string().min(1).max(64), id: z.string().min(1).max(512) }),
      response: z.object({ removed: authenticatorSchema, remainingFactors: z.number() }),
      async run({ params, note }) {
        const user = await userNamed(deps, params.username);
        const holder = authenticatorHolders(deps).find((h) => h.id === params.method)?.holder;
        const before = (await authenticatorsOf(deps, user.id)).find(
          (a) => a.method === params.method && a.id === params.id,
        );
        if (!holder || !before || !(await holder.remove(user.id, params.id))) {
          throw notFound(`${user.username} has no such authenticator`, `${params.method} ${params.id}`);
        }
        note({ before, reason: `removed ${describeAuthenticator(before)}` });
        const remaining = (await authenticatorsOf(deps, user.id)).filter((a) => a.factor).length;
        return { removed: before, remainingFactors: remaining };
      },
    }),
    operation({
      id: 'removeAllAuthenticators',
      method: 'delete',
      path: '/users/{username}/authenticators',
      tag: 'Users',
      summary: 'Remove every authenticator of a user',
      description:
        'Passkeys, security keys, authenticator apps, tokens, the phone, bypass codes and the browsers they signed in with: the user signs in with their password alone and sets up a second factor again if the policy asks for one.',
      permission: 'users:write',
      changes: true,
      target,
      params: usernameParam,
      response: z.object({ removed: z.number() }),
      async run({ params, note }) {
        const user = await userNamed(deps, params.username);
        const before = await authenticatorsOf(deps, user.id);
        let removed = 0;
        for (const { holder } of authenticatorHolders(deps)) removed += await holder.removeAll(user.id);
        note({ before: before.map(describeAuthenticator), after: [], reason: `removed ${removed} authenticator(s)` });
        return { removed };
      },
    }),
    operation({
      id: 'generateBypassCodes',
      method: 'post',
      path: '/users/{username}/bypass-codes',
      tag: 'Users',
      summary: 'Make bypass codes',
      description:
        'Codes for a user who cannot use their second factor. Shown only in this answer; Latch keeps keyed hashes.',
      permission: 'users:write',
      changes: true,
      target,
      params: usernameParam,
      body: bypassBatch,
      status: 201,
      response: z.object({ codes: z.array(z.string()), uses: z.number(), expiresAt: z.number() }),
      async run({ params, body, note }) {
        const user = await userNamed(deps, params.username);
        const lifetimeMs = parseDuration(body.expires)!;
        const codes = await deps.passcodes.bypassCodes.generate(user.id, {
          count: body.count,
          uses: body.uses,
          lifetimeMs,
        });
        const expiresAt = Date.now() + lifetimeMs;
        note({
          after: { count: codes.length, uses: body.uses, expiresAt: time(expiresAt) },
          reason: `${codes.length} bypass code(s) made (not recorded)`,
        });
        return { codes, uses: body.uses, expiresAt };
      },
    }),
    operation({
      id: 'revokeBypassCodes',
      method: 'delete',
      path: '/users/{username}/bypass-codes',
      tag: 'Users',
      summary: "Revoke a user's bypass codes",
      permission: 'users:write',
      changes: true,
      target,
      params: usernameParam,
      response: z.object({ revoked: z.number() }),
      async run({ params, note }) {
        const user = await userNamed(deps, params.username);
        const revoked = await deps.passcodes.bypassCodes.revoke(user.id);
        note({ before: { usable: revoked }, after: { usable: 0 } });
        return { revoked };
      },
    }),
    operation({
      id: 'createActivationLink',
      method: 'post',
      path: '/users/{username}/phone-activation',
      tag: 'Users',
      summary: 'Make an activation link for the phone app',
      description:
        "A one-time link that activates the user's Latch Authenticator (replacing any phone activated before); shown only in this answer.",
      permission: 'users:write',
      changes: true,
      target,
      params: usernameParam,
      status: 201,
      response: z.object({ url: z.string(), expiresAt: z.number() }),
      async run({ params, caller, note }) {
        const user = await userNamed(deps, params.username);
        const { token, expiresAt } = await deps.push.activations.issue(
          user,
          `${caller.kind === 'user' ? 'administrator' : 'API token'} ${caller.name} (admin console)`,
        );
        note({ after: { expiresAt: time(expiresAt) }, reason: 'activation link made (not recorded)' });
        return { url: activationUrl(deps.config.server.baseUrl, token), expiresAt };
      },
    }),
    operation({
      id: 'signOutUser',
      method: 'post',
      path: '/users/{username}/sign-out',
      tag: 'Users',
      summary: 'Sign a user out everywhere',
      description:
        'Ends every Latch session of the user and the OpenID Connect grants they made (relying parties are told over the back channel). SAML applications keep their own sessions until those end.',
      permission: 'users:write',
      changes: true,
      target,
      params: usernameParam,
      response: z.object({ ended: z.number().describe('Sessions ended.') }),
      async run({ params, note }) {
        const user = await userNamed(deps, params.username);
        let ended = 0;
        for (const session of await deps.sessions.listForUser(user.id)) {
          const gone = await deps.sessions.end(session.sid);
          if (!gone) continue;
          ended++;
          await deps.oidc.endRecorded(gone);
        }
        note({ before: { sessions: ended }, after: { sessions: 0 } });
        return { ended };
      },
    }),
  ];
}
