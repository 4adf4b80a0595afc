import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../config/load.ts';
import type { SamlConfig } from '../../config/saml.ts';

// SPs registered by metadata URL: fetched when Latch starts and kept in a cache folder, so a
// restart while the SP's server is down still knows the SP (with a warning). Returns the config
// with each metadataUrl turned into metadataXml.

const MAX_BYTES = 2 * 1024 * 1024;
const TIMEOUT_MS = 10_000;

export async function resolveMetadataUrls(saml: SamlConfig, cacheDir: string, warn: (message: string) => void): Promise<SamlConfig> {
  const problems: string[] = [];
  const serviceProviders = { ...saml.serviceProviders };
  for (const [key, entry] of Object.entries(saml.serviceProviders)) {
    if (!entry.metadataUrl) continue;
    const cacheFile = path.join(cacheDir, `${key}.xml`);
    try {
      const xml = await fetchMetadata(entry.metadataUrl);
      mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      writeFileSync(cacheFile, xml);
      serviceProviders[key] = { ...entry, metadataXml: xml };
    } catch (err) {
      const reason = (err as Error).message;
      if (existsSync(cacheFile)) {
        warn(`saml.serviceProviders.${key}.metadataUrl: ${entry.metadataUrl} could not be fetched (${reason}); using the copy from ${cacheFile}`);
        serviceProviders[key] = { ...entry, metadataXml: readFileSync(cacheFile, 'utf8') };
      } else {
        problems.push(`saml.serviceProviders.${key}.metadataUrl: ${entry.metadataUrl} could not be fetched (${reason}) and there is no cached copy`);
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...saml, serviceProviders };
}

async function fetchMetadata(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'follow', headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > MAX_BYTES) throw new Error(`${length} bytes is more than ${MAX_BYTES}`);
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > MAX_BYTES) throw new Error(`${body.length} bytes is more than ${MAX_BYTES}`);
  return body.toString('utf8');
}
