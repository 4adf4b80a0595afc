import { z } from 'zod';
import { spOptions } from '../../config/saml.ts';
import type { ServiceProvider } from '../../idp/saml/registry.ts';
import type { AdminDeps } from '../deps.ts';
import { operation, type Operation } from '../operation.ts';
import { badInput } from '../problems.ts';
import { notFound } from './common.ts';
import {
  checkedSp,
  fetchInto,
  fileManaged,
  identityOf,
  keyOf,
  newSpBody,
  optionsOf,
  rawObject,
  refuseDuplicate,
  saveSp,
  SP_KEY,
  spByKey,
} from './saml-apps.ts';

// SAML service providers: listed with the OIDC clients (every application), added from metadata
// (uploaded, or fetched from a URL) or by hand, from a preset, their options changed, removed;
// the IdP metadata and signing certificate for each. Those from files are read-only here.

const appSummary = z.object({
  protocol: z.enum(['saml', 'oidc']),
  key: z.string().describe("What the console's addresses use: the SP's key, or the client_id."),
  id: z.string().describe('The entity ID or client_id (what the authentication log calls it).'),
  name: z.string(),
  managedBy: z.enum(['console', 'file']),
});

const keyParam = z.strictObject({ key: SP_KEY });

function samlView(deps: AdminDeps, sp: ServiceProvider) {
  return {
    protocol: 'saml' as const,
    key: keyOf(sp),
    id: sp.entityId,
    name: sp.options.name,
    managedBy: deps.saml.registry.fromFiles(sp.entityId) ? ('file' as const) : ('console' as const),
  };
}

async function samlDetail(deps: AdminDeps, sp: ServiceProvider) {
  const stored = sp.managedKey ? await deps.saml.managed.get(sp.managedKey) : undefined;
  return {
    ...samlView(deps, sp),
    acs: sp.acs.map((a) => a.url),
    options: stored ? optionsOf(stored.entry) : {},
    metadataUrl: stored?.metadataUrl ?? null,
    source: sp.source,
  };
}

const samlDetailSchema = appSummary.extend({
  acs: z.array(z.string()),
  options: z.record(z.string(), z.unknown()).describe('The options as saml.serviceProviders.<key> holds them.'),
  metadataUrl: z.string().nullable(),
  source: z.string(),
});

/** The SAML application with this key, or 404. */
function spNamed(deps: AdminDeps, key: string): ServiceProvider {
  const sp = spByKey(deps, key);
  if (!sp) throw notFound(`No SAML application "${key}"`);
  return sp;
}

function managedSp(deps: AdminDeps, key: string): ServiceProvider {
  const sp = spNamed(deps, key);
  if (!sp.managedKey) throw fileManaged(`The SAML application "${key}" (${sp.source})`);
  return sp;
}

export function applicationOperations(deps: AdminDeps): Operation[] {
  const target = (p: Record<string, string>) => `application ${p.key ?? '?'}`;
  return [
    operation({
      id: 'listApplications',
      method: 'get',
      path: '/applications',
      tag: 'Applications',
      summary: 'Every application',
      permission: 'applications:read',
      target: () => 'applications',
      response: z.object({ applications: z.array(appSummary) }),
      async run() {
        const saml = deps.saml.registry.all().map((sp) => samlView(deps, sp));
        const oidc = deps.oidc.clients.all().map((c) => ({
          protocol: 'oidc' as const,
          key: c.client_id,
          id: c.client_id,
          name: c.client_name ?? c.client_id,
          managedBy: deps.oidc.clients.fromFiles(c.client_id) ? ('file' as const) : ('console' as const),
        }));
        return { applications: [...saml, ...oidc].sort((a, b) => a.name.localeCompare(b.name)) };
      },
    }),
    operation({
      id: 'getSamlApplication',
      method: 'get',
      path: '/applications/saml/{key}',
      tag: 'Applications',
      summary: 'A SAML service provider',
      permission: 'applications:read',
      target,
      params: keyParam,
      response: samlDetailSchema,
      async run({ params }) {
        return samlDetail(deps, spNamed(deps, params.key));
      },
    }),
    operation({
      id: 'createSamlApplication',
      method: 'post',
      path: '/applications/saml',
      tag: 'Applications',
      summary: 'Add a SAML service provider',
      description:
        'From its metadata (`metadataXml`, up to 2 MiB), a metadata URL (`metadataUrl`: https, fetched with a size limit and `admin.metadataTimeout`), or `entityId` with `acs`; with any option of saml.serviceProviders.<key> (`preset`: adfs, okta, pingfederate). Every node trusts it at once.',
      permission: 'applications:write',
      changes: true,
      target: () => 'applications',
      body: newSpBody,
      status: 201,
      response: samlDetailSchema,
      async run({ caller, raw, note }) {
        const { key, ...given } = rawObject(raw.body);
        const { entry, metadataUrl } = await fetchInto(deps, given);
        const sp = checkedSp(deps, String(key), entry, metadataUrl);
        refuseDuplicate(
          deps,
          sp,
          String(key),
          metadataUrl ? 'metadataUrl' : entry.metadataXml !== undefined ? 'metadataXml' : 'entityId',
        );
        const now = Date.now();
        await saveSp(
          deps,
          {
            key: String(key),
            entry,
            metadataUrl,
            createdAt: now,
            updatedAt: now,
            updatedBy: `${caller.kind} ${caller.name}`,
          },
          true,
        );
        note({
          after: { key: String(key), entityId: sp.entityId, acs: sp.acs.map((a) => a.url), options: optionsOf(entry) },
        });
        return samlDetail(deps, spByKey(deps, String(key)) ?? sp);
      },
    }),
    operation({
      id: 'updateSamlApplication',
      method: 'put',
      path: '/applications/saml/{key}/options',
      tag: 'Applications',
      summary: "Replace a SAML service provider's options",
      description:
        'The options of saml.serviceProviders.<key> (name, nameIdFormat, attributes, policy, …); its metadata stays.',
      permission: 'applications:write',
      changes: true,
      target,
      params: keyParam,
      body: spOptions,
      response: samlDetailSchema,
      async run({ params, caller, raw, note }) {
        const sp = managedSp(deps, params.key);
        const stored = await deps.saml.managed.get(sp.managedKey!);
        if (!stored) throw notFound(`No SAML application "${params.key}"`);
        const entry = { ...identityOf(stored.entry), ...rawObject(raw.body) };
        checkedSp(deps, params.key, entry, null);
        await saveSp(
          deps,
          { ...stored, entry, updatedAt: Date.now(), updatedBy: `${caller.kind} ${caller.name}` },
          false,
        );
        note({ before: optionsOf(stored.entry), after: optionsOf(entry) });
        return samlDetail(deps, spByKey(deps, params.key) ?? sp);
      },
    }),
    operation({
      id: 'deleteSamlApplication',
      method: 'delete',
      path: '/applications/saml/{key}',
      tag: 'Applications',
      summary: 'Remove a SAML service provider',
      description: 'Every node stops trusting it at once; users can no longer sign in to it.',
      permission: 'applications:write',
      changes: true,
      target,
      params: keyParam,
      response: z.object({ removed: z.string() }),
      async run({ params, note }) {
        const sp = managedSp(deps, params.key);
        const removed = await deps.saml.managed.remove(sp.managedKey!);
        await deps.saml.registry.reload();
        note({ before: removed ? { entityId: sp.entityId, options: optionsOf(removed.entry) } : null });
        return { removed: sp.entityId };
      },
    }),
    operation({
      id: 'getSamlIdpMetadata',
      method: 'get',
      path: '/applications/saml/{key}/idp-metadata',
      tag: 'Applications',
      summary: "Latch's IdP metadata for this SP",
      permission: 'applications:read',
      target,
      params: keyParam,
      response: { download: ['application/samlmetadata+xml'] },
      async run({ params }) {
        const body = deps.saml.metadata(spNamed(deps, params.key));
        return {
          kind: 'download',
          type: 'application/samlmetadata+xml',
          filename: `latch-idp-${params.key}.xml`,
          body,
        };
      },
    }),
    operation({
      id: 'getSigningCertificate',
      method: 'get',
      path: '/applications/saml/{key}/signing-certificate',
      tag: 'Applications',
      summary: "Latch's signing certificate (PEM)",
      permission: 'applications:read',
      target,
      params: keyParam,
      response: { download: ['application/x-pem-file'] },
      async run({ params }) {
        spNamed(deps, params.key);
        const [current] = deps.saml.keys.published('RS256');
        if (!current?.certificatePem) throw badInput('key', 'Latch has no RS256 signing certificate');
        return {
          kind: 'download',
          type: 'application/x-pem-file',
          filename: `latch-signing-${params.key}.pem`,
          body: current.certificatePem,
        };
      },
    }),
  ];
}
