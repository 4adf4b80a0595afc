import { X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../../config/load.ts';
import { spOptions, type SamlConfig, type SpDefaults, type SpEntry, type SpOptions } from '../../config/saml.ts';
import { parseSpMetadata, toPem, type SpDescription } from './sp-metadata.ts';

// The service providers Latch trusts: every *.xml in saml.metadataDir (options from the same-name
// *.yaml beside it) and every entry of saml.serviceProviders. Problems are collected and reported
// together, each naming the file or key, as the rest of the configuration does.

export type ResolvedSpOptions = SpDefaults &
  Pick<SpOptions, 'defaultRelayState' | 'relayStateOrigins' | 'idpEntityId' | 'policy'> & { name: string };

export interface ServiceProvider extends SpDescription {
  /** Where it was configured, for messages: a file path, "saml.serviceProviders.<key>", or "console <key>". */
  source: string;
  options: ResolvedSpOptions;
  /** Set for an SP added in the console (kept in the store, managed-sps.ts): its key there. */
  managedKey?: string;
}

export interface SpRegistry {
  get(entityId: string): ServiceProvider | undefined;
  all(): ServiceProvider[];
}

export interface RegistryOptions {
  cwd?: string;
  warn?: (message: string) => void;
}

export function loadSpRegistry(config: SamlConfig, options: RegistryOptions = {}): SpRegistry {
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];
  const found: ServiceProvider[] = [];
  const add = (source: string, read: () => ServiceProvider) => {
    try {
      found.push(read());
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else problems.push(`${source}: ${(err as Error).message}`);
    }
  };

  const dir = path.resolve(cwd, config.metadataDir);
  if (existsSync(dir)) {
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.xml'))
      .sort()) {
      const xmlPath = path.join(dir, file);
      const yamlPath = xmlPath.replace(/\.xml$/, '.yaml');
      add(xmlPath, () => {
        const own = existsSync(yamlPath) ? readOptionsFile(yamlPath) : {};
        return build(
          xmlPath,
          parseSpMetadata(readFileSync(xmlPath, 'utf8'), signingCertificate(own)),
          own,
          config.spDefaults,
        );
      });
    }
  }
  for (const [key, entry] of Object.entries(config.serviceProviders)) {
    const source = `saml.serviceProviders.${key}`;
    add(source, () => build(source, describeEntry(entry, cwd), entry, config.spDefaults));
  }

  const byId = new Map<string, ServiceProvider>();
  for (const sp of found) {
    const earlier = byId.get(sp.entityId);
    if (earlier) problems.push(`${sp.source}: entity ID ${sp.entityId} is already registered by ${earlier.source}`);
    byId.set(sp.entityId, sp);
    if (sp.options.signatureAlgorithm === 'rsa-sha1') {
      options.warn?.(
        `${sp.source}: signs with RSA-SHA1 and accepts SHA-1 signatures from ${sp.entityId}; use rsa-sha256 unless this SP cannot`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { get: (entityId) => byId.get(entityId), all: () => [...byId.values()] };
}

/**
 * An SP from an entry of the same shape as saml.serviceProviders.<key> (metadata inline, or
 * entity ID and endpoints by hand): what the console adds. Throws what loadSpRegistry would report.
 */
export function serviceProviderFromEntry(source: string, entry: SpEntry, defaults: SpDefaults): ServiceProvider {
  if (entry.metadataFile !== undefined || entry.metadataUrl !== undefined) {
    throw new Error('only inline metadata (metadataXml) or entityId with acs can be given here');
  }
  return build(source, describeEntry(entry, process.cwd()), entry, defaults);
}

function readOptionsFile(file: string): SpOptions {
  const value: unknown = YAML.parse(readFileSync(file, 'utf8')) ?? {};
  const result = spOptions.safeParse(value);
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => `${file}: ${describe(i, value)}`));
  return result.data;
}

function describe(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((k) => `${[...issue.path, k].join('.')}: unknown key`).join('; ');
  let actual: unknown = input;
  for (const key of issue.path)
    actual = typeof actual === 'object' && actual !== null ? (actual as Record<PropertyKey, unknown>)[key] : undefined;
  return `${issue.path.join('.') || '(top level)'}: ${issue.message.replace(/^Invalid input: /, '')} (got ${actual === undefined ? 'nothing' : JSON.stringify(actual)})`;
}

/** metadataSigningCertificate as PEM, checked to be a certificate; undefined when not set. */
function signingCertificate(own: SpOptions): string | undefined {
  if (own.metadataSigningCertificate === undefined) return undefined;
  const pem = toPem(own.metadataSigningCertificate);
  try {
    new X509Certificate(pem);
  } catch {
    throw new Error('metadataSigningCertificate is not a valid X.509 certificate');
  }
  return pem;
}

function describeEntry(entry: SpEntry, cwd: string): SpDescription {
  const signedBy = signingCertificate(entry);
  if (entry.metadataFile) return parseSpMetadata(readFileSync(path.resolve(cwd, entry.metadataFile), 'utf8'), signedBy);
  if (entry.metadataXml) return parseSpMetadata(entry.metadataXml, signedBy);
  if (signedBy) throw new Error('metadataSigningCertificate is set, but the SP is configured without metadata');
  const certificates = (entry.certificates ?? []).map(toPem);
  return {
    entityId: entry.entityId!,
    acs: entry.acs!.map((a, i) => ({ url: a.url, index: a.index ?? i, isDefault: a.isDefault ?? i === 0 })),
    slo: entry.sloUrl ? [{ url: entry.sloUrl, binding: 'redirect' }] : [],
    signingCertificates: certificates,
    encryptionCertificates: certificates,
    nameIdFormats: [],
    authnRequestsSigned: false,
    wantAssertionsSigned: false,
  };
}

const PRESETS_DIR = new URL('../../../metadata/presets/', import.meta.url);

/** A preset's options (metadata/presets/<name>.yaml) under the SP's own. */
function withPreset(own: SpOptions): SpOptions {
  if (!own.preset) return own;
  const file = new URL(`${own.preset}.yaml`, PRESETS_DIR);
  const preset = spOptions.parse(YAML.parse(readFileSync(file, 'utf8')) ?? {});
  return { ...preset, ...Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined)) };
}

function build(
  source: string,
  description: SpDescription,
  ownOptions: SpOptions,
  defaults: SpDefaults,
): ServiceProvider {
  const own = withPreset(ownOptions);
  for (const pem of [...description.signingCertificates, ...description.encryptionCertificates]) {
    try {
      new X509Certificate(pem);
    } catch {
      throw new Error(`a certificate of ${description.entityId} is not a valid X.509 certificate`);
    }
  }
  const entityId = description.entityId;
  const options: ResolvedSpOptions = {
    ...defaults,
    ...Object.fromEntries(Object.entries(own).filter(([k, v]) => v !== undefined && k in defaults)),
    attributes: own.attributes ?? defaults.attributes,
    name: own.name ?? entityId,
    ...(own.defaultRelayState !== undefined ? { defaultRelayState: own.defaultRelayState } : {}),
    ...(own.relayStateOrigins !== undefined ? { relayStateOrigins: own.relayStateOrigins } : {}),
    ...(own.idpEntityId !== undefined ? { idpEntityId: own.idpEntityId } : {}),
    ...(own.policy !== undefined ? { policy: own.policy } : {}),
  } as ResolvedSpOptions;
  // An SP that says in its metadata that it signs requests gets them checked.
  if (description.authnRequestsSigned && own.requireSignedRequests === undefined) options.requireSignedRequests = true;
  if (options.requireSignedRequests && description.signingCertificates.length === 0) {
    throw new Error(`${entityId} must sign its requests but its metadata has no signing certificate`);
  }
  if (options.encryptAssertion && description.encryptionCertificates.length === 0) {
    throw new Error(`${entityId}: encryptAssertion is on but its metadata has no encryption certificate`);
  }
  return { ...description, source, options };
}
