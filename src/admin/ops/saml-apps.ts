import { z } from 'zod';
import { spEntry, spOptions, type SpEntry } from '../../config/saml.ts';
import { fetchMetadata } from '../../idp/saml/metadata-url.ts';
import { serviceProviderFromEntry, type ServiceProvider } from '../../idp/saml/registry.ts';
import type { ManagedSp } from '../../idp/saml/managed-sps.ts';
import type { Json } from '../../store/contract.ts';
import { LatchError } from '../../util/errors.ts';
import type { AdminDeps } from '../deps.ts';
import { badInput, InputError, parseInput, type Problem } from '../problems.ts';
import { httpsProblem } from './endpoints.ts';

// Adding and changing the SAML SPs kept in the store (idp/saml/managed-sps.ts): every check a
// file-configured SP gets (the same schema, the same metadata reader), and those the console adds:
// https endpoints, a metadata URL fetched with the bounded fetcher, no entity ID twice.

export const SP_KEY = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'expected 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

/** The fields of an entry that say who the SP is (metadata, or entity ID and endpoints); the rest are options. */
const IDENTITY = ['metadataXml', 'metadataUrl', 'metadataFile', 'entityId', 'acs', 'sloUrl', 'certificates'] as const;

/** An entry as the API takes it: saml.serviceProviders.<key>'s shape, and its key. */
export const newSpBody = spEntry.extend({
  key: SP_KEY.describe("A short name for the SP, used in the console's addresses."),
});

export const metadataBody = z
  .strictObject({
    metadataXml: z.string().min(1).optional().describe("The SP's metadata document."),
    metadataUrl: z
      .url({ protocol: /^https?$/, error: 'expected an absolute http:// or https:// URL' })
      .optional()
      .describe('Where to fetch it (https, unless loopback or admin.allowHttp).'),
  })
  .refine((b) => (b.metadataXml === undefined) !== (b.metadataUrl === undefined), {
    message: 'expected exactly one of metadataXml or metadataUrl',
    path: ['metadataXml'],
  });

export { spOptions };

/** The options part of an entry (what the per-SP YAML holds). */
export function optionsOf(entry: { [field: string]: Json }): { [field: string]: Json } {
  return Object.fromEntries(Object.entries(entry).filter(([key]) => !(IDENTITY as readonly string[]).includes(key)));
}

export function identityOf(entry: { [field: string]: Json }): { [field: string]: Json } {
  return Object.fromEntries(Object.entries(entry).filter(([key]) => (IDENTITY as readonly string[]).includes(key)));
}

/** The key a file-configured SP goes by in the console: its config key or its file's name. */
export function keyOf(sp: ServiceProvider): string {
  if (sp.managedKey) return sp.managedKey;
  if (sp.source.startsWith('saml.serviceProviders.')) return sp.source.slice('saml.serviceProviders.'.length);
  return (sp.source.split(/[\\/]/).pop() ?? sp.source).replace(/\.xml$/, '');
}

export function spByKey(deps: AdminDeps, key: string): ServiceProvider | undefined {
  return deps.saml.registry.all().find((sp) => keyOf(sp) === key);
}

type Raw = { [field: string]: Json };

/**
 * The raw entry (as sent, already validated) with a metadata URL fetched into metadataXml; a
 * fetch that fails is bad input. Raw, because that is what is stored: read again by the schema,
 * "60s" stays 60 seconds, where the parsed 60000 would be read as seconds.
 */
export async function fetchInto(deps: AdminDeps, entry: Raw): Promise<{ entry: Raw; metadataUrl: string | null }> {
  if (entry.metadataFile !== undefined) {
    throw badInput(
      'metadataFile',
      'the console does not read files on the server: give the metadata itself (metadataXml) or its URL (metadataUrl)',
    );
  }
  const url = entry.metadataUrl;
  if (typeof url !== 'string') return { entry, metadataUrl: null };
  const insecure = httpsProblem(url, deps.config.admin.allowHttp);
  if (insecure) throw badInput('metadataUrl', insecure);
  let xml: string;
  try {
    xml = await fetchMetadata(url, { timeoutMs: deps.config.admin.metadataTimeout });
  } catch (err) {
    throw badInput('metadataUrl', `${url} could not be fetched (${(err as Error).message}); nothing was changed`);
  }
  const { metadataUrl: _url, ...rest } = entry;
  return { entry: { ...rest, metadataXml: xml }, metadataUrl: url };
}

/** The SP a raw entry describes, checked as the console requires; every problem is bad input naming its field. */
export function checkedSp(deps: AdminDeps, key: string, raw: Raw, fetchedFrom: string | null): ServiceProvider {
  const entry: SpEntry = parseInput(spEntry, raw);
  const field = fetchedFrom ? 'metadataUrl' : entry.metadataXml !== undefined ? 'metadataXml' : 'acs';
  let sp: ServiceProvider;
  try {
    sp = serviceProviderFromEntry(`console ${key}`, entry, deps.config.saml.spDefaults);
  } catch (err) {
    throw badInput(
      field,
      `${fetchedFrom ? `the metadata from ${fetchedFrom}` : 'the SP'} cannot be used: ${(err as Error).message}`,
    );
  }
  const problems: Problem[] = [];
  for (const url of [
    ...sp.acs.map((a) => a.url),
    ...sp.slo.flatMap((s) => [s.url, ...(s.responseUrl ? [s.responseUrl] : [])]),
  ]) {
    const problem = httpsProblem(url, deps.config.admin.allowHttp);
    if (problem) problems.push({ field, message: `endpoint ${problem}` });
  }
  if (problems.length > 0) throw new InputError(problems);
  return sp;
}

/** Refuses an entity ID another application has (409, naming the field). */
export function refuseDuplicate(deps: AdminDeps, sp: ServiceProvider, key: string, field: string): void {
  const other = deps.saml.registry.get(sp.entityId);
  if (other && keyOf(other) !== key) {
    throw badInput(
      field,
      `the entity ID ${sp.entityId} is already registered, by ${other.managedKey ? `application ${keyOf(other)}` : other.source}`,
      { status: 409, code: 'conflict' },
    );
  }
}

/** Saves and reloads this node's registry at once (the others hear of it on the channel). */
export async function saveSp(deps: AdminDeps, stored: ManagedSp, create: boolean): Promise<void> {
  if (create) {
    if (!(await deps.saml.managed.create(stored)))
      throw badInput('key', `an application with the key ${stored.key} exists already`, {
        status: 409,
        code: 'conflict',
      });
  } else {
    await deps.saml.managed.replace(stored);
  }
  await deps.saml.registry.reload();
}

export function fileManaged(what: string): LatchError {
  return new LatchError({
    status: 409,
    code: 'managed_by_file',
    publicMessage: `${what} is managed by file: change it in Latch's configuration, not in the console.`,
  });
}

/** A validated request body as stored: JSON objects only (anything else is a bug of the caller). */
export function rawObject(body: unknown): Raw {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badInput('', 'expected a JSON object');
  return JSON.parse(JSON.stringify(body)) as Raw;
}
