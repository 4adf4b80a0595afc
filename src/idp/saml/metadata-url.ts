import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { ConfigError } from '../../config/load.ts';
import type { SamlConfig, SpEntry } from '../../config/saml.ts';
import { metadataSignatureProblem } from './sp-metadata.ts';

// SPs registered by metadata URL: fetched when Latch starts and kept in a cache folder, so a
// restart while the SP's server is down still knows the SP (with a warning). Returns the config
// with each metadataUrl turned into metadataXml. Fetching is bounded in size, time and redirects,
// and follows a redirect only from https:// to https://, so the metadata (which says where users'
// assertions go and which keys to trust) never crosses the network in the clear. With
// metadataSigningCertificate, only metadata signed with it is used, fresh or cached; a download
// that fails that check is an error and never replaces the cached copy.

export interface MetadataFetchOptions {
  /** CA certificates to trust instead of the system's (tests; operators use NODE_EXTRA_CA_CERTS). */
  ca?: string;
  timeoutMs?: number;
}

const MAX_BYTES = 2 * 1024 * 1024;
const TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 3;

export async function resolveMetadataUrls(
  saml: SamlConfig,
  cacheDir: string,
  warn: (message: string) => void,
  options: MetadataFetchOptions = {},
): Promise<SamlConfig> {
  const problems: string[] = [];
  const serviceProviders = { ...saml.serviceProviders };
  for (const [key, entry] of Object.entries(saml.serviceProviders)) {
    if (!entry.metadataUrl) continue;
    const where = `saml.serviceProviders.${key}.metadataUrl`;
    const resolved = await resolveOne(where, entry, path.join(cacheDir, `${key}.xml`), warn, options);
    if (typeof resolved === 'string') serviceProviders[key] = { ...entry, metadataXml: resolved };
    else problems.push(resolved.problem);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...saml, serviceProviders };
}

async function resolveOne(
  where: string,
  entry: SpEntry,
  cacheFile: string,
  warn: (message: string) => void,
  options: MetadataFetchOptions,
): Promise<string | { problem: string }> {
  const url = entry.metadataUrl!;
  let xml: string;
  try {
    xml = await fetchMetadata(url, options);
  } catch (err) {
    const reason = (err as Error).message;
    const failed = `${where}: ${url} could not be fetched (${reason})`;
    if (!existsSync(cacheFile)) return { problem: `${failed} and there is no cached copy` };
    const cached = readFileSync(cacheFile, 'utf8');
    const problem = signatureProblem(entry, cached);
    if (problem) return { problem: `${failed}, and the cached copy in ${cacheFile} ${problem}` };
    warn(`${where}: ${url} could not be fetched (${reason}); using the copy from ${cacheFile}`);
    return cached;
  }
  const problem = signatureProblem(entry, xml);
  if (problem) return { problem: `${where}: the metadata from ${url} ${problem}` };
  mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
  // Written aside then renamed: the workers of one node (server.workers) refresh the same copy at
  // start, and none may read it half written.
  const partial = `${cacheFile}.${process.pid}.partial`;
  writeFileSync(partial, xml);
  renameSync(partial, cacheFile);
  return xml;
}

function signatureProblem(entry: SpEntry, xml: string): string | undefined {
  return entry.metadataSigningCertificate ? metadataSignatureProblem(xml, entry.metadataSigningCertificate) : undefined;
}

/** Fetches metadata (bounded in size, time and redirects; https to https only); throws why not. */
export async function fetchMetadata(url: string, options: MetadataFetchOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  let current = new URL(url);
  for (let redirects = 0; ; redirects++) {
    const res = await get(current, signal, options.ca).catch((err: Error) => {
      throw signal.aborted ? new Error(`no answer within ${timeoutMs} ms`) : err;
    });
    const location = res.statusCode && res.statusCode >= 300 && res.statusCode < 400 ? res.headers.location : undefined;
    if (location === undefined) return readBody(res, signal, timeoutMs);
    res.resume();
    const next = new URL(location, current);
    if (current.protocol !== 'https:' || next.protocol !== 'https:') {
      throw new Error(`it redirects to ${next.href}; only redirects from https:// to https:// are followed`);
    }
    if (redirects >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
    current = next;
  }
}

function get(url: URL, signal: AbortSignal, ca: string | undefined): Promise<http.IncomingMessage> {
  const headers = { accept: 'application/samlmetadata+xml, application/xml, text/xml' };
  return new Promise((resolve, reject) => {
    const request =
      url.protocol === 'https:'
        ? https.get(url, { headers, signal, ...(ca ? { ca } : {}) }, resolve)
        : http.get(url, { headers, signal }, resolve);
    request.on('error', reject);
  });
}

/** The body of a 200 answer, refused as soon as it passes the size limit (Content-Length or not). */
async function readBody(res: http.IncomingMessage, signal: AbortSignal, timeoutMs: number): Promise<string> {
  if (res.statusCode !== 200) {
    res.resume();
    throw new Error(`HTTP ${res.statusCode}`);
  }
  if (Number(res.headers['content-length'] ?? 0) > MAX_BYTES) {
    res.destroy();
    throw new Error(`larger than ${MAX_BYTES} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BYTES) throw new Error(`larger than ${MAX_BYTES} bytes`);
      chunks.push(chunk);
    }
  } catch (err) {
    res.destroy();
    throw signal.aborted ? new Error(`no answer within ${timeoutMs} ms`) : err;
  }
  return Buffer.concat(chunks).toString('utf8');
}
