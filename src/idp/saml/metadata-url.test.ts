import { after, before, it } from 'mocha';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../../config/load.ts';
import type { SamlConfig } from '../../config/saml.ts';
import { makeTestKey } from '../../../test/support/saml-certs.ts';
import { spMetadataXml } from '../../../test/support/sp-metadata.ts';
import { makeTestCertificates } from '../../../test/support/test-ca.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { resolveMetadataUrls, type MetadataFetchOptions } from './metadata-url.ts';
import { loadSpRegistry } from './registry.ts';
import { signElement } from './xml/sign.ts';
import { testSp } from '../../../test/support/saml-fixtures.ts';

// SPs registered by metadata URL: fetched at startup over HTTPS (a local server with a test CA),
// never through a redirect to http://, bounded in size, time and redirects, and checked against
// the SP's metadataSigningCertificate when one is given.

const defaults = { ...testSp().options } as unknown as SamlConfig['spDefaults'];
const saml = (entry: Record<string, unknown>): SamlConfig => ({
  enabled: true,
  metadataDir: '/nonexistent',
  signMetadata: false,
  requestMaxAge: 300_000,
  maxMessageBytes: 65_536,
  assertionLifetime: 300_000,
  scopes: [],
  spDefaults: defaults,
  serviceProviders: { remote: { metadataUrl: 'https://unused.test', ...entry } },
});

const federation = makeTestKey('federation-signer');
const stranger = makeTestKey('stranger');
const ENTITY = 'https://remote.sp.test/md';
const plain = () =>
  spMetadataXml({ entityId: ENTITY, acs: ['https://remote.sp.test/acs'] }).replace('<?xml version="1.0"?>\n', '');
const signedBy = (key: { privateKeyPem: string; certificatePem: string }, xml = plain()) =>
  signElement(xml.replace(' entityID=', ' ID="_md1" entityID='), '_md1', key, 'rsa-sha256', 'first');

let temp: ReturnType<typeof tempDir>;
let secure: https.Server;
let insecure: http.Server;
let httpsBase = '';
let httpBase = '';
let fetchOptions: MetadataFetchOptions;

const routes: Record<string, (res: http.ServerResponse) => void> = {
  '/plain.xml': (res) => res.end(plain()),
  '/signed.xml': (res) => res.end(signedBy(federation)),
  '/signed-by-stranger.xml': (res) => res.end(signedBy(stranger)),
  '/tampered.xml': (res) =>
    res.end(signedBy(federation).replace('https://remote.sp.test/acs', 'https://attacker.test/acs')),
  '/moved': (res) => redirect(res, `${httpsBase}/signed.xml`),
  '/moved-twice': (res) => redirect(res, `${httpsBase}/moved`),
  '/to-http': (res) => redirect(res, `${httpBase}/plain.xml`),
  '/loop': (res) => redirect(res, `${httpsBase}/loop`),
  '/huge': (res) => {
    // No Content-Length: the limit must hold while reading.
    res.writeHead(200, { 'content-type': 'application/xml' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    for (let i = 0; i < 64; i++) res.write(chunk);
    res.end();
  },
  '/stalls': () => {},
};
function redirect(res: http.ServerResponse, location: string): void {
  res.writeHead(302, { location });
  res.end();
}
const serve = (req: http.IncomingMessage, res: http.ServerResponse) =>
  (routes[req.url ?? ''] ?? ((r) => ((r.statusCode = 404), r.end())))(res);

before(async () => {
  temp = tempDir('latch-mdurl-');
  const certs = await makeTestCertificates(temp.dir);
  secure = https.createServer({ key: readFileSync(certs.keyFile), cert: readFileSync(certs.certFile) }, serve);
  insecure = http.createServer((req, res) =>
    req.url === '/to-https' ? redirect(res, `${httpsBase}/signed.xml`) : serve(req, res),
  );
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => insecure.listen(0, '127.0.0.1', r));
  httpsBase = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
  httpBase = `http://127.0.0.1:${(insecure.address() as AddressInfo).port}`;
  fetchOptions = { ca: readFileSync(certs.caFile, 'utf8'), timeoutMs: 1500 };
});
after(() => {
  secure?.closeAllConnections();
  secure?.close();
  insecure?.close();
  temp?.cleanup();
});

/** Matches this text literally, with any port where it says PORT. */
const literal = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/PORT/g, '\\d+'));
const ONLY_HTTPS = 'only redirects from https:// to https:// are followed';

async function refused(
  entry: Record<string, unknown>,
  pattern: RegExp,
  cacheDir = `${temp.dir}/cache-${Math.random()}`,
): Promise<void> {
  await assert.rejects(
    resolveMetadataUrls(saml(entry), cacheDir, () => {}, fetchOptions),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.problems.join('\n'), pattern);
      return true;
    },
  );
}
const resolves = async (entry: Record<string, unknown>) =>
  loadSpRegistry(await resolveMetadataUrls(saml(entry), `${temp.dir}/cache-${Math.random()}`, () => {}, fetchOptions));

it('an SP registered by metadata URL is fetched, cached, and the cache serves when the URL is down', async () => {
  const server = http.createServer((req, res) =>
    req.url === '/md.xml' ? res.end(plain()) : ((res.statusCode = 404), res.end()),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/md.xml`;
  const warnings: string[] = [];
  const cache = `${temp.dir}/cache-down`;
  try {
    const resolved = await resolveMetadataUrls(saml({ metadataUrl: url }), cache, (m) => warnings.push(m));
    assert.equal(loadSpRegistry(resolved).get(ENTITY)?.acs[0]?.url, 'https://remote.sp.test/acs');
    await new Promise<void>((r) => server.close(() => r()));
    const again = await resolveMetadataUrls(saml({ metadataUrl: url }), cache, (m) => warnings.push(m));
    assert.ok(loadSpRegistry(again).get(ENTITY));
    assert.match(
      warnings.join('\n'),
      /saml\.serviceProviders\.remote\.metadataUrl: .* could not be fetched .*; using the copy/,
    );
    await refused(
      { metadataUrl: url.replace('/md.xml', '/missing.xml') },
      /saml\.serviceProviders\.remote\.metadataUrl: .* could not be fetched \(.*\) and there is no cached copy/,
    );
  } finally {
    server.close();
  }
});

it('redirects: https to https within a bound; never to http, never from http', async () => {
  assert.ok(
    (await resolves({ metadataUrl: `${httpsBase}/moved-twice` })).get(ENTITY),
    'https → https → https is followed',
  );
  await refused(
    { metadataUrl: `${httpsBase}/to-http` },
    literal(
      `metadataUrl: https://127.0.0.1:PORT/to-http could not be fetched (it redirects to http://127.0.0.1:PORT/plain.xml; ${ONLY_HTTPS})`,
    ),
  );
  await refused(
    { metadataUrl: `${httpBase}/to-https` },
    literal(`could not be fetched (it redirects to https://127.0.0.1:PORT/signed.xml; ${ONLY_HTTPS})`),
  );
  await refused({ metadataUrl: `${httpsBase}/loop` }, /could not be fetched \(more than 3 redirects\)/);
});

it('size and time are bounded', async () => {
  await refused({ metadataUrl: `${httpsBase}/huge` }, /could not be fetched \(larger than 2097152 bytes\)/);
  const started = Date.now();
  await refused({ metadataUrl: `${httpsBase}/stalls` }, /could not be fetched \(no answer within 1500 ms\)/);
  assert.ok(Date.now() - started < 5000);
});

it('with metadataSigningCertificate, only metadata whose signature verifies with it is used', async () => {
  const sp = (
    await resolves({ metadataUrl: `${httpsBase}/signed.xml`, metadataSigningCertificate: federation.certificatePem })
  ).get(ENTITY);
  assert.equal(sp?.acs[0]?.url, 'https://remote.sp.test/acs');
  const certificate = federation.certificatePem;
  await refused(
    { metadataUrl: `${httpsBase}/plain.xml`, metadataSigningCertificate: certificate },
    literal(
      'saml.serviceProviders.remote.metadataUrl: the metadata from https://127.0.0.1:PORT/plain.xml is not signed, ' +
        'but metadataSigningCertificate is set',
    ),
  );
  await refused(
    { metadataUrl: `${httpsBase}/signed-by-stranger.xml`, metadataSigningCertificate: certificate },
    /saml\.serviceProviders\.remote\.metadataUrl: the metadata from .* has a signature that does not verify with metadataSigningCertificate/,
  );
  await refused(
    { metadataUrl: `${httpsBase}/tampered.xml`, metadataSigningCertificate: certificate },
    literal(
      'saml.serviceProviders.remote.metadataUrl: the metadata from https://127.0.0.1:PORT/tampered.xml has a signature ' +
        'that does not verify with metadataSigningCertificate (signature digest does not match',
    ),
  );
});

it('a cached copy is checked too, and a refused download does not replace it', async () => {
  const cache = `${temp.dir}/cache-signed`;
  const entry = { metadataUrl: `${httpsBase}/signed.xml`, metadataSigningCertificate: federation.certificatePem };
  await resolveMetadataUrls(saml(entry), cache, () => {}, fetchOptions);
  await refused({ ...entry, metadataUrl: `${httpsBase}/tampered.xml` }, /does not verify/, cache);
  const warnings: string[] = [];
  const missing = saml({ ...entry, metadataUrl: `${httpsBase}/missing.xml` });
  const fromCache = await resolveMetadataUrls(missing, cache, (m) => warnings.push(m), fetchOptions);
  assert.equal(
    loadSpRegistry(fromCache).get(ENTITY)?.acs[0]?.url,
    'https://remote.sp.test/acs',
    'the good copy is still there',
  );
  assert.match(warnings.join('\n'), /using the copy/);
  // A cached copy that does not verify (e.g. fetched before the certificate was configured) is refused.
  const unsignedCache = `${temp.dir}/cache-unsigned`;
  await resolveMetadataUrls(saml({ metadataUrl: `${httpsBase}/plain.xml` }), unsignedCache, () => {}, fetchOptions);
  await refused(
    { metadataUrl: `${httpsBase}/missing.xml`, metadataSigningCertificate: federation.certificatePem },
    /could not be fetched \(HTTP 404\), and the cached copy in .* is not signed, but metadataSigningCertificate is set/,
    unsignedCache,
  );
});
