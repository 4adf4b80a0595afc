import { z } from 'zod';
import { PASSWORDLESS_OFF } from '../../authn/policy.ts';
import { appPolicyLayer, policyConfig, policyLayer, type PolicyLayer } from '../../config/policy.ts';
import type { Json } from '../../store/contract.ts';
import type { AdminDeps } from '../deps.ts';
import { operation, type Operation } from '../operation.ts';
import { badInput, InputError, type Problem } from '../problems.ts';
import { notFound, userNamed } from './common.ts';
import { checkedSp, fileManaged, rawObject, saveSp, spByKey } from './saml-apps.ts';

// Sign-in policy: the console's global layer (over policy.default), each application's layer with
// its pilot groups, the organisation-wide passwordless switch (owners only), and the effective
// policy for a user at an application with the layer behind each setting. Layers are validated by
// the config file's own schema (config/policy.ts) and stored as typed ("30d" stays "30d").

const layerView = z.record(z.string(), z.unknown());

function appLayerOf(deps: AdminDeps, app: string): { kind: 'saml' | 'oidc'; key: string } {
  const sp = spByKey(deps, app) ?? deps.saml.registry.get(app);
  if (sp) return { kind: 'saml', key: sp.managedKey ?? app };
  if (deps.oidc.clients.get(app)) return { kind: 'oidc', key: app };
  throw notFound(`No application "${app}"`);
}

/** A layer's network rules that name a list missing from the top-level networks (as Latch refuses at start). */
function networkProblems(deps: AdminDeps, layer: PolicyLayer, field: string): Problem[] {
  const rules = layer.networks?.rules ?? [];
  return rules.flatMap((rule, i) =>
    deps.conditions.unknownNetworks([rule.network]).map((name) => ({
      field: `${field}networks.rules.${i}.network`,
      message: `"${name}" is not under the top-level networks (define it there, e.g. networks: { ${name}: [192.0.2.0/24] })`,
    })),
  );
}

export function policyOperations(deps: AdminDeps): Operation[] {
  const store = deps.consolePolicy.store;
  return [
    operation({
      id: 'getPolicies',
      method: 'get',
      path: '/policies',
      tag: 'Policies',
      summary: 'The global policy and the passwordless switch',
      permission: 'policies:read',
      target: () => 'policies',
      response: z.object({
        fileDefault: layerView.describe('policy.default from the config file.'),
        fileGroups: z.array(layerView),
        consoleDefault: layerView.nullable().describe("The console's layer over policy.default."),
        consoleGroups: z.array(layerView).describe("The console's group layers, applied after policy.groups."),
        passwordless: z.enum(['allowed', 'off']),
      }),
      async run() {
        const stored = await store.get();
        return {
          fileDefault: deps.config.policy.default,
          fileGroups: deps.config.policy.groups,
          consoleDefault: stored.default,
          consoleGroups: stored.groups ?? [],
          passwordless: stored.passwordless,
        };
      },
    }),
    operation({
      id: 'setGlobalPolicy',
      method: 'put',
      path: '/policies/global',
      tag: 'Policies',
      summary: "Set the console's global layer",
      description:
        'Applied over policy.default, for every application; the keys of a policy layer in the config file (docs/sign-in-policy.md).',
      permission: 'policies:write',
      changes: true,
      target: () => 'global policy',
      body: policyLayer,
      response: z.object({ consoleDefault: layerView }),
      async run({ body, raw, caller, note }) {
        const problems = networkProblems(deps, body, '');
        if (problems.length > 0) throw new InputError(problems);
        const layer = rawObject(raw.body);
        const before = await store.get();
        await store.set({
          ...before,
          default: layer,
          updatedAt: Date.now(),
          updatedBy: `${caller.kind} ${caller.name}`,
        });
        await deps.consolePolicy.refresh();
        note({ before: before.default, after: layer });
        return { consoleDefault: layer };
      },
    }),
    operation({
      id: 'setGroupPolicies',
      method: 'put',
      path: '/policies/groups',
      tag: 'Policies',
      summary: "Set the console's per-group layers",
      description:
        'Layers for members of a group, for every application, applied after policy.groups in the order listed; each entry is an entry of policy.groups in the config file (`group` and the keys of a policy layer). Replaces the whole list.',
      permission: 'policies:write',
      changes: true,
      target: () => 'group policies',
      body: z.strictObject({ groups: policyConfig.shape.groups }),
      response: z.object({ consoleGroups: z.array(layerView) }),
      async run({ body, raw, caller, note }) {
        const problems = body.groups.flatMap((layer, i) => networkProblems(deps, layer, `groups.${i}.`));
        if (problems.length > 0) throw new InputError(problems);
        const groups = rawObject(raw.body).groups as Array<{ [key: string]: Json }>;
        const before = await store.get();
        await store.set({ ...before, groups, updatedAt: Date.now(), updatedBy: `${caller.kind} ${caller.name}` });
        await deps.consolePolicy.refresh();
        note({ before: before.groups ?? [], after: groups });
        return { consoleGroups: groups };
      },
    }),
    operation({
      id: 'setApplicationPolicy',
      method: 'put',
      path: '/policies/applications/{app}',
      tag: 'Policies',
      summary: "Set an application's policy (with its pilot groups)",
      description:
        'For an application added in the console (its key, entity ID or client_id); `groups` lists layers for members of a group, applied last (a passwordless pilot).',
      permission: 'policies:write',
      changes: true,
      target: (p) => `application ${p.app ?? '?'}`,
      params: z.strictObject({ app: z.string().min(1).max(1024) }),
      body: appPolicyLayer,
      response: z.object({ app: z.string(), policy: layerView }),
      async run({ params, raw, caller, note }) {
        const layer = rawObject(raw.body);
        const app = appLayerOf(deps, params.app);
        const by = `${caller.kind} ${caller.name}`;
        if (app.kind === 'saml') {
          const stored = await deps.saml.managed.get(app.key);
          if (!stored) throw fileManaged(`The policy of "${params.app}"`);
          const entry = { ...stored.entry, policy: layer };
          checkedSp(deps, app.key, entry, null);
          await saveSp(deps, { ...stored, entry, updatedAt: Date.now(), updatedBy: by }, false);
          note({ before: stored.entry.policy ?? null, after: layer });
        } else {
          const stored = deps.oidc.clients.fromFiles(app.key) ? undefined : await deps.oidc.managed.get(app.key);
          if (!stored) throw fileManaged(`The policy of "${params.app}"`);
          await deps.oidc.managed.replace(app.key, {
            ...stored,
            registration: { ...stored.registration, policy: layer },
            updatedAt: Date.now(),
            updatedBy: by,
          });
          await deps.oidc.reload();
          note({ before: stored.registration.policy ?? null, after: layer });
        }
        return { app: params.app, policy: layer };
      },
    }),
    operation({
      id: 'setPasswordless',
      method: 'put',
      path: '/policies/passwordless',
      tag: 'Policies',
      summary: 'Turn passwordless sign-in on or off for the organisation (owners)',
      description:
        '"off": nobody can sign in or register passwordless, whatever a layer says; "allowed": the layers decide (the default).',
      permission: 'passwordless:write',
      changes: true,
      target: () => 'organisation passwordless',
      body: z.strictObject({ passwordless: z.enum(['allowed', 'off'], { error: 'expected allowed or off' }) }),
      response: z.object({ passwordless: z.enum(['allowed', 'off']) }),
      async run({ body, caller, note }) {
        const before = await store.get();
        await store.set({
          ...before,
          passwordless: body.passwordless,
          updatedAt: Date.now(),
          updatedBy: `${caller.kind} ${caller.name}`,
        });
        await deps.consolePolicy.refresh();
        note({ before: { passwordless: before.passwordless }, after: { passwordless: body.passwordless } });
        return { passwordless: body.passwordless };
      },
    }),
    operation({
      id: 'effectivePolicy',
      method: 'get',
      path: '/policies/effective',
      tag: 'Policies',
      summary: 'The policy that applies to a user at an application, and why',
      permission: 'policies:read',
      target: () => 'policies',
      query: z.object({ user: z.string().min(1).max(256), app: z.string().min(1).max(1024) }),
      response: z.object({
        policy: layerView,
        reasons: z.record(z.string(), z.string()).describe('Each setting, with the layer that set it.'),
        layers: z.array(z.string()),
      }),
      async run({ query }) {
        const user = await userNamed(deps, query.user);
        const appId = resolveAppId(deps, query.app);
        const { sources: layers, ...policy } = deps.policies.resolve(appId, user.groups);
        const reasons: Record<string, string> = {};
        for (const { source, layer } of deps.policies.appliedLayers(appId, user.groups)) {
          for (const key of Object.keys(layer)) if (key !== 'groups' && key !== 'group') reasons[key] = source;
        }
        if (layers.includes(PASSWORDLESS_OFF)) reasons.passwordless = PASSWORDLESS_OFF;
        return { policy: { ...policy }, reasons, layers };
      },
    }),
  ];
}

/** The id the resolver knows an application by (entity ID or client_id), from either that or an SP key. */
function resolveAppId(deps: AdminDeps, app: string): string {
  const sp = spByKey(deps, app) ?? deps.saml.registry.get(app);
  if (sp) return sp.entityId;
  if (deps.oidc.clients.get(app) || app in deps.config.applications) return app;
  throw badInput('app', `no application "${app}": expected a SAML SP's key or entity ID, or a client_id`);
}
