import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../../config/load.ts';
import type { SamlConfig } from '../../config/saml.ts';
import { spMetadataXml } from '../../../test/support/sp-metadata.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { resolveMetadataUrls } from './metadata-url.ts';
import { loadSpRegistry } from './registry.ts';
import { testSp } from '../../../test/support/saml-fixtures.ts';

const defaults = { ...testSp().options } as unknown as SamlConfig['spDefaults'];
const saml = (url: string): SamlConfig => ({
  enabled: true, metadataDir: '/nonexistent', signMetadata: false, requestMaxAge: 300_000, maxMessageBytes: 65_536, assertionLifetime: 300_000, scopes: [],
  spDefaults: defaults,
  serviceProviders: { remote: { metadataUrl: url } },
});

test('an SP registered by metadata URL is fetched, cached, and the cache serves when the URL is down', async () => {
  const temp = tempDir('latch-mdurl-');
  const xml = spMetadataXml({ entityId: 'https://remote.sp.test/md', acs: ['https://remote.sp.test/acs'] });
  const server = http.createServer((req, res) => (req.url === '/md.xml' ? res.end(xml) : ((res.statusCode = 404), res.end())));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/md.xml`;
  const warnings: string[] = [];
  try {
    const resolved = await resolveMetadataUrls(saml(url), temp.dir, (m) => warnings.push(m));
    assert.equal(loadSpRegistry(resolved).get('https://remote.sp.test/md')?.acs[0]?.url, 'https://remote.sp.test/acs');
    await new Promise<void>((r) => server.close(() => r()));
    const again = await resolveMetadataUrls(saml(url), temp.dir, (m) => warnings.push(m));
    assert.ok(loadSpRegistry(again).get('https://remote.sp.test/md'));
    assert.match(warnings.join('\n'), /saml\.serviceProviders\.remote\.metadataUrl: .* could not be fetched .*; using the copy/);
    await assert.rejects(resolveMetadataUrls(saml(`${url.replace('/md.xml', '/missing.xml')}`), `${temp.dir}/empty`, () => {}), (err: unknown) =>
      err instanceof ConfigError && /saml\.serviceProviders\.remote\.metadataUrl: .* could not be fetched \(.*\) and there is no cached copy/.test(err.problems[0]!));
  } finally {
    server.close();
    temp.cleanup();
  }
});
