import { it } from 'mocha';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError, loadConfig } from '../../config/load.ts';
import { makeTestKey } from '../../../test/support/saml-certs.ts';
import { spMetadataXml } from '../../../test/support/sp-metadata.ts';
import { loadSpRegistry } from './registry.ts';
import { signElement } from './xml/sign.ts';

const key = makeTestKey('sp');

function withDir(fn: (dir: string) => void) {
  const dir = mkdtempSync(path.join(tmpdir(), 'latch-saml-reg-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function configIn(dir: string, saml: Record<string, unknown>) {
  const file = path.join(dir, 'latch.yaml');
  writeFileSync(file, YAML.stringify({ dataDir: dir, saml: { metadataDir: path.join(dir, 'metadata'), ...saml } }));
  return loadConfig({ file, env: {}, cwd: dir }).saml;
}

it('SPs come from the metadata folder (with YAML options) and from config', () =>
  withDir((dir) => {
    const metadataDir = path.join(dir, 'metadata');
    mkdirSync(metadataDir, { recursive: true });
    writeFileSync(
      path.join(metadataDir, 'shib.xml'),
      spMetadataXml({
        entityId: 'https://shib.test/sp',
        acs: ['https://shib.test/acs', 'https://shib.test/acs2'],
        sloUrl: 'https://shib.test/slo',
        certificatePem: key.certificatePem,
        authnRequestsSigned: true,
      }),
    );
    writeFileSync(
      path.join(metadataDir, 'shib.yaml'),
      'name: Wiki\nnameIdFormat: emailAddress\nnameIdAttribute: email\nsignResponse: false\n',
    );
    const saml = configIn(dir, {
      serviceProviders: {
        manual: {
          entityId: 'urn:manual',
          acs: [{ url: 'https://manual.test/acs' }],
          signatureAlgorithm: 'rsa-sha512',
          defaultRelayState: '/home',
        },
      },
    });
    const registry = loadSpRegistry(saml, { cwd: dir });
    const shib = registry.get('https://shib.test/sp')!;
    assert.equal(shib.options.name, 'Wiki');
    assert.equal(shib.options.nameIdFormat, 'emailAddress');
    assert.equal(shib.options.signResponse, false);
    assert.equal(shib.options.signAssertion, true);
    assert.equal(
      shib.options.requireSignedRequests,
      true,
      'AuthnRequestsSigned="true" in metadata means requests are checked',
    );
    assert.deepEqual(
      shib.acs.map((a) => [a.url, a.index, a.isDefault]),
      [
        ['https://shib.test/acs', 0, true],
        ['https://shib.test/acs2', 1, false],
      ],
    );
    assert.deepEqual(shib.slo, [{ url: 'https://shib.test/slo', binding: 'redirect' }]);
    assert.equal(shib.signingCertificates.length, 1);
    const manual = registry.get('urn:manual')!;
    assert.equal(manual.options.signatureAlgorithm, 'rsa-sha512');
    assert.equal(manual.options.defaultRelayState, '/home');
    assert.equal(manual.options.nameIdFormat, 'unspecified');
    assert.equal(registry.all().length, 2);
  }));

it('bad SP options name the file, the key and the value', () =>
  withDir((dir) => {
    const metadataDir = path.join(dir, 'metadata');
    mkdirSync(metadataDir, { recursive: true });
    writeFileSync(
      path.join(metadataDir, 'a.xml'),
      spMetadataXml({ entityId: 'https://a.test', acs: ['https://a.test/acs'] }),
    );
    writeFileSync(
      path.join(metadataDir, 'a.yaml'),
      'nameIdFormat: email\nsignResponce: true\nrelayStateOrigins: [https://a.test/start]\n',
    );
    writeFileSync(path.join(metadataDir, 'b.xml'), '<!DOCTYPE x><x/>');
    writeFileSync(
      path.join(metadataDir, 'c.xml'),
      spMetadataXml({ entityId: 'https://a.test', acs: ['https://c.test/acs'] }),
    );
    const saml = configIn(dir, {
      serviceProviders: {
        enc: { entityId: 'urn:enc', acs: [{ url: 'https://enc.test/acs' }], encryptAssertion: true },
      },
    });
    assert.throws(
      () => loadSpRegistry(saml, { cwd: dir }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const text = err.problems.join('\n');
        assert.match(
          text,
          /a\.yaml: nameIdFormat: expected unspecified, emailAddress, persistent or transient \(got "email"\)/,
        );
        assert.match(text, /a\.yaml: signResponce: unknown key/);
        assert.match(
          text,
          /a\.yaml: relayStateOrigins\.0: expected an origin such as https:\/\/app\.example\.com .*\(got "https:\/\/a\.test\/start"\)/,
        );
        assert.match(text, /b\.xml: XML with a DOCTYPE/);
        assert.match(
          text,
          /saml\.serviceProviders\.enc: urn:enc: encryptAssertion is on but its metadata has no encryption certificate/,
        );
        return true;
      },
    );
  }));

it('metadata files and inline metadata must be signed with metadataSigningCertificate when it is set', () =>
  withDir((dir) => {
    const signer = makeTestKey('federation');
    const sign = (xml: string) =>
      signElement(xml.replace(' entityID=', ' ID="_md" entityID='), '_md', signer, 'rsa-sha256', 'first');
    const metadata = (name: string) =>
      spMetadataXml({ entityId: `https://${name}.test/sp`, acs: [`https://${name}.test/acs`] }).replace(
        /^<\?xml[^>]*>\n/,
        '',
      );
    const metadataDir = path.join(dir, 'metadata');
    mkdirSync(metadataDir, { recursive: true });
    const options = `metadataSigningCertificate: |\n${signer.certificatePem.replace(/^/gm, '  ')}`;
    writeFileSync(path.join(metadataDir, 'good.xml'), sign(metadata('good')));
    writeFileSync(path.join(metadataDir, 'good.yaml'), options);
    writeFileSync(path.join(metadataDir, 'plain.xml'), metadata('plain'));
    writeFileSync(path.join(metadataDir, 'plain.yaml'), options);
    const certificate = signer.certificatePem;
    const saml = configIn(dir, {
      serviceProviders: {
        inline: { metadataXml: sign(metadata('inline')), metadataSigningCertificate: certificate },
        edited: {
          metadataXml: sign(metadata('edited')).replace('https://edited.test/acs', 'https://evil.test/acs'),
          metadataSigningCertificate: certificate,
        },
        other: { metadataXml: sign(metadata('other')), metadataSigningCertificate: key.certificatePem },
        manual: {
          entityId: 'urn:manual',
          acs: [{ url: 'https://manual.test/acs' }],
          metadataSigningCertificate: certificate,
        },
        junk: { metadataXml: sign(metadata('junk')), metadataSigningCertificate: 'not a certificate' },
      },
    });
    assert.throws(
      () => loadSpRegistry(saml, { cwd: dir }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const text = err.problems.join('\n');
        assert.match(text, /plain\.xml: the metadata is not signed, but metadataSigningCertificate is set/);
        assert.match(
          text,
          /saml\.serviceProviders\.edited: the metadata has a signature that does not verify with metadataSigningCertificate \(signature digest/,
        );
        assert.match(
          text,
          /saml\.serviceProviders\.other: the metadata has a signature that does not verify with metadataSigningCertificate/,
        );
        assert.match(
          text,
          /saml\.serviceProviders\.manual: metadataSigningCertificate is set, but the SP is configured without metadata/,
        );
        assert.match(
          text,
          /saml\.serviceProviders\.junk: metadataSigningCertificate is not a valid X\.509 certificate/,
        );
        assert.doesNotMatch(text, /good|inline/);
        assert.equal(err.problems.length, 5);
        return true;
      },
    );
  }));

it('config errors for saml keys name the key', () =>
  withDir((dir) => {
    assert.throws(
      () =>
        configIn(dir, {
          maxMessageBytes: 100,
          spDefaults: { signatureAlgorithm: 'md5' },
          serviceProviders: {
            x: { name: 'no metadata' },
            y: { entityId: 'urn:y', acs: [{ url: 'https://y.test/acs' }], relayStateOrigins: ['javascript:alert(1)'] },
          },
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const text = err.problems.join('\n');
        assert.match(text, /saml\.maxMessageBytes: .*4096.* \(got 100\)/);
        assert.match(
          text,
          /saml\.spDefaults\.signatureAlgorithm: expected rsa-sha256, rsa-sha512 or rsa-sha1 \(got "md5"\)/,
        );
        assert.match(
          text,
          /saml\.serviceProviders\.x: expected metadataFile, metadataXml, metadataUrl, or entityId together with acs/,
        );
        assert.match(
          text,
          /saml\.serviceProviders\.y\.relayStateOrigins\.0: expected an origin .*\(got "javascript:alert\(1\)"\)/,
        );
        return true;
      },
    );
  }));

it("presets for AD FS, Okta and PingFederate apply under the SP's own options", () =>
  withDir((dir) => {
    const metadataDir = path.join(dir, 'metadata');
    mkdirSync(metadataDir, { recursive: true });
    for (const preset of ['adfs', 'okta', 'pingfederate']) {
      writeFileSync(
        path.join(metadataDir, `${preset}.xml`),
        spMetadataXml({ entityId: `https://${preset}.test/sp`, acs: [`https://${preset}.test/acs`] }),
      );
      writeFileSync(
        path.join(metadataDir, `${preset}.yaml`),
        `preset: ${preset}\n${preset === 'adfs' ? 'name: Contoso AD FS\n' : ''}`,
      );
    }
    const registry = loadSpRegistry(configIn(dir, {}), { cwd: dir });
    const adfs = registry.get('https://adfs.test/sp')!.options;
    assert.equal(adfs.name, 'Contoso AD FS', 'own options win over the preset');
    assert.equal(adfs.nameIdFormat, 'unspecified');
    assert.equal(adfs.nameIdAttribute, 'upn');
    assert.equal(adfs.signResponse && adfs.signAssertion, true);
    assert.deepEqual(adfs.attributes.upn, {
      name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn',
      nameFormat: 'uri',
    });
    const okta = registry.get('https://okta.test/sp')!.options;
    assert.equal(okta.nameIdFormat, 'emailAddress');
    assert.equal(okta.nameIdAttribute, 'email');
    const ping = registry.get('https://pingfederate.test/sp')!.options;
    assert.equal(ping.nameIdFormat, 'emailAddress');
    assert.equal(ping.attributes.username, 'userid');
  }));
