import { z } from 'zod';
import { oidcClient } from '../../config/oidc.ts';
import type { ManagedClient } from '../../idp/oidc/managed-clients.ts';
import { clientProblem } from '../../idp/oidc/provider.ts';
import { clientMetadata } from '../../idp/oidc/clients.ts';
import type { Json } from '../../store/contract.ts';
import { randomId } from '../../util/random.ts';
import type { AdminDeps } from '../deps.ts';
import { operation, type Operation } from '../operation.ts';
import { badInput, InputError, parseInput, type Problem } from '../problems.ts';
import { notFound } from './common.ts';
import { httpsProblem } from './endpoints.ts';
import { fileManaged, rawObject } from './saml-apps.ts';

// OpenID Connect clients kept in the store (idp/oidc/managed-clients.ts): an entry of oidc.clients
// read by the same schema and checked by oidc-provider as a file's client is; Latch makes the
// secret of a confidential client (shown once in the answer, sealed at rest) and rotates it.

/** What the API takes: an oidc.clients entry without a secret (Latch makes it) or a secret file. */
const clientBody = z
  .strictObject({
    client_id: z.string(),
    client_name: z.string().optional(),
    public: z.boolean().optional(),
    redirect_uris: z.array(z.string()),
    post_logout_redirect_uris: z.array(z.string()).optional(),
    backchannel_logout_uri: z.string().optional(),
    id_token_signed_response_alg: z.enum(['RS256', 'ES256']).optional(),
    scope: z.string().optional(),
    firstParty: z.boolean().optional(),
    policy: z.record(z.string(), z.unknown()).optional(),
  })
  .describe(
    'An entry of oidc.clients; confidential clients use client_secret_basic or client_secret_post with a secret Latch makes.',
  );

const clientView = z.object({
  client_id: z.string(),
  client_name: z.string(),
  public: z.boolean(),
  redirect_uris: z.array(z.string()),
  post_logout_redirect_uris: z.array(z.string()),
  managedBy: z.enum(['console', 'file']),
  secretRotatedAt: z.number().nullable(),
});

const idParam = z.strictObject({ clientId: z.string().min(1).max(200) });

type Raw = { [field: string]: Json };

/** Checks a registration as the config file and oidc-provider would, with a secret in place; every problem names its field. */
async function checked(deps: AdminDeps, registration: Raw, secret: string | undefined) {
  const config = parseInput(oidcClient, { ...registration, ...(secret ? { client_secret: secret } : {}) });
  const problems: Problem[] = [];
  for (const [field, urls] of [
    ['redirect_uris', config.redirect_uris],
    ['post_logout_redirect_uris', config.post_logout_redirect_uris],
  ] as const) {
    urls.forEach((url, i) => {
      if (new URL(url).hash || url.includes('#'))
        problems.push({
          field: `${field}.${i}`,
          message: `expected a URI without a fragment (got ${JSON.stringify(url)})`,
        });
      const insecure = httpsProblem(url, deps.config.admin.allowHttp);
      if (insecure) problems.push({ field: `${field}.${i}`, message: insecure });
    });
  }
  if (problems.length > 0) throw new InputError(problems);
  const problem = await clientProblem(deps.oidc.provider, clientMetadata(config, -1));
  if (problem) throw badInput('', problem);
  return config;
}

function view(deps: AdminDeps, clientId: string, stored?: ManagedClient) {
  const config = deps.oidc.clients.get(clientId);
  if (!config) throw notFound(`No OpenID Connect client "${clientId}"`);
  return {
    client_id: clientId,
    client_name: config.client_name ?? clientId,
    public: config.public,
    redirect_uris: config.redirect_uris,
    post_logout_redirect_uris: config.post_logout_redirect_uris,
    managedBy: deps.oidc.clients.fromFiles(clientId) ? ('file' as const) : ('console' as const),
    secretRotatedAt: stored?.secretRotatedAt ?? null,
  };
}

async function managedClient(deps: AdminDeps, clientId: string): Promise<ManagedClient> {
  if (deps.oidc.clients.fromFiles(clientId)) throw fileManaged(`The client "${clientId}"`);
  const stored = await deps.oidc.managed.get(clientId);
  if (!stored) throw notFound(`No OpenID Connect client "${clientId}"`);
  return stored;
}

/** What the console and the API may change in a registration; absent fields keep their value. */
const editBody = z
  .strictObject({
    client_name: z.string().optional(),
    redirect_uris: z.array(z.string()).optional(),
    post_logout_redirect_uris: z.array(z.string()).optional(),
    public: z.boolean().optional(),
  })
  .describe(
    'Made confidential, the client gets a secret (shown only in the answer); made public, its secret is dropped.',
  );

const withSecret = clientView.extend({ client_secret: z.string().optional().describe('Shown only in this answer.') });

export function oidcClientOperations(deps: AdminDeps): Operation[] {
  const target = (p: Record<string, string>) => `client ${p.clientId ?? '?'}`;
  return [
    operation({
      id: 'getOidcClient',
      method: 'get',
      path: '/applications/oidc/{clientId}',
      tag: 'Applications',
      summary: 'An OpenID Connect client',
      permission: 'applications:read',
      target,
      params: idParam,
      response: clientView,
      async run({ params }) {
        return view(deps, params.clientId, await deps.oidc.managed.get(params.clientId));
      },
    }),
    operation({
      id: 'createOidcClient',
      method: 'post',
      path: '/applications/oidc',
      tag: 'Applications',
      summary: 'Add an OpenID Connect client',
      description:
        'A confidential client gets a secret, shown only in this answer (rotate it to get a new one). Every node serves it at once.',
      permission: 'applications:write',
      changes: true,
      target: () => 'applications',
      body: clientBody,
      status: 201,
      response: withSecret,
      async run({ body, raw, caller, note }) {
        const registration = rawObject(raw.body);
        const secret = body.public ? undefined : randomId();
        await checked(deps, registration, secret);
        if (deps.oidc.clients.get(body.client_id)) {
          throw badInput('client_id', `a client with the id ${body.client_id} exists already`, {
            status: 409,
            code: 'conflict',
          });
        }
        const now = Date.now();
        const stored: ManagedClient = {
          registration,
          secret: secret ? deps.oidc.managed.seal(body.client_id, secret) : null,
          createdAt: now,
          updatedAt: now,
          secretRotatedAt: secret ? now : null,
          updatedBy: `${caller.kind} ${caller.name}`,
        };
        if (!(await deps.oidc.managed.create(body.client_id, stored))) {
          throw badInput('client_id', `a client with the id ${body.client_id} exists already`, {
            status: 409,
            code: 'conflict',
          });
        }
        await deps.oidc.reload();
        note({ after: { ...registration, secret: secret ? 'made (not recorded)' : null } });
        return { ...view(deps, body.client_id, stored), ...(secret ? { client_secret: secret } : {}) };
      },
    }),
    operation({
      id: 'updateOidcClient',
      method: 'put',
      path: '/applications/oidc/{clientId}',
      tag: 'Applications',
      summary: "Edit a client's registration",
      description:
        'Its name, redirect URIs (checked as when it was added), post-logout redirect URIs, and whether it is public. Every node serves the change at once; clients from files cannot be changed here.',
      permission: 'applications:write',
      changes: true,
      target,
      params: idParam,
      body: editBody,
      response: withSecret,
      async run({ params, raw, caller, note }) {
        const stored = await managedClient(deps, params.clientId);
        const registration: Raw = { ...stored.registration, ...rawObject(raw.body) };
        const isPublic = registration.public === true;
        // A client made confidential gets a new secret; one that stays confidential keeps its own
        // (a stand-in is checked in its place, as the secret itself cannot be wrong).
        const secret = isPublic || stored.secret !== null ? undefined : randomId();
        await checked(deps, registration, isPublic ? undefined : (secret ?? randomId()));
        const now = Date.now();
        const next: ManagedClient = {
          ...stored,
          registration,
          secret: isPublic ? null : secret ? deps.oidc.managed.seal(params.clientId, secret) : stored.secret,
          ...(secret ? { secretRotatedAt: now } : isPublic ? { secretRotatedAt: null } : {}),
          updatedAt: now,
          updatedBy: `${caller.kind} ${caller.name}`,
        };
        await deps.oidc.managed.replace(params.clientId, next);
        await deps.oidc.reload();
        note({
          before: stored.registration,
          after: { ...registration, ...(secret ? { secret: 'made (not recorded)' } : {}) },
        });
        return { ...view(deps, params.clientId, next), ...(secret ? { client_secret: secret } : {}) };
      },
    }),
    operation({
      id: 'rotateOidcClientSecret',
      method: 'post',
      path: '/applications/oidc/{clientId}/secret',
      tag: 'Applications',
      summary: "Rotate a client's secret",
      description: 'The old secret stops working at once; the new one is shown only in this answer.',
      permission: 'applications:write',
      changes: true,
      target,
      params: idParam,
      response: withSecret,
      async run({ params, caller, note }) {
        const stored = await managedClient(deps, params.clientId);
        if (stored.secret === null) throw badInput('clientId', 'a public client has no secret to rotate');
        const secret = randomId();
        const now = Date.now();
        const next: ManagedClient = {
          ...stored,
          secret: deps.oidc.managed.seal(params.clientId, secret),
          secretRotatedAt: now,
          updatedAt: now,
          updatedBy: `${caller.kind} ${caller.name}`,
        };
        await deps.oidc.managed.replace(params.clientId, next);
        await deps.oidc.reload();
        note({ before: { secretRotatedAt: stored.secretRotatedAt }, after: { secretRotatedAt: now } });
        return { ...view(deps, params.clientId, next), client_secret: secret };
      },
    }),
    operation({
      id: 'deleteOidcClient',
      method: 'delete',
      path: '/applications/oidc/{clientId}',
      tag: 'Applications',
      summary: 'Remove an OpenID Connect client',
      permission: 'applications:write',
      changes: true,
      target,
      params: idParam,
      response: z.object({ removed: z.string() }),
      async run({ params, note }) {
        await managedClient(deps, params.clientId);
        const removed = await deps.oidc.managed.remove(params.clientId);
        await deps.oidc.reload();
        note({ before: removed?.registration ?? null });
        return { removed: params.clientId };
      },
    }),
  ];
}
