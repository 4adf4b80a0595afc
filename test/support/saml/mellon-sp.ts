import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTestKey, type TestKey } from '../saml-certs.ts';
import { spMetadataXml } from '../sp-metadata.ts';
import { freePort } from '../free-port.ts';
import { httpdConf, startApache, type Apache } from './apache.ts';

// mod_auth_mellon 0.18 (Debian's libapache2-mod-auth-mellon) in a private Apache. It signs its
// AuthnRequests (HTTP-Redirect, rsa-sha256) and asks for a transient NameID. /secure/whoami.txt
// is protected; its response headers echo what mellon put in the environment (NameID, mail).

export interface MellonSp {
  base: string;
  entityId: string;
  metadataXml: string;
  key: TestKey;
  start(idpMetadataXml: string): Promise<void>;
  stop(): Promise<void>;
  logs(): string;
}

export async function prepareMellonSp(root: string): Promise<MellonSp> {
  const dir = path.join(root, 'mellon');
  mkdirSync(path.join(dir, 'secure'), { recursive: true });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const entityId = `${base}/mellon/metadata`;
  const key = makeTestKey('mellon-sp');
  const metadataXml = spMetadataXml({
    entityId,
    acs: [`${base}/mellon/postResponse`],
    sloUrl: `${base}/mellon/logout`,
    certificatePem: key.certificatePem,
    authnRequestsSigned: true,
  });
  writeFileSync(path.join(dir, 'sp.key'), key.privateKeyPem);
  writeFileSync(path.join(dir, 'sp.cert'), key.certificatePem);
  writeFileSync(path.join(dir, 'sp.xml'), metadataXml);
  writeFileSync(path.join(dir, 'secure', 'whoami.txt'), 'signed in\n');
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>mellon SP</title><p id="home">home</p>\n');
  let apache: Apache | undefined;
  return {
    base,
    entityId,
    key,
    metadataXml,
    async start(idpMetadataXml) {
      writeFileSync(path.join(dir, 'idp-metadata.xml'), idpMetadataXml);
      apache = await startApache(
        dir,
        port,
        httpdConf(
          dir,
          port,
          [
            'auth_mellon_module /usr/lib/apache2/modules/mod_auth_mellon.so',
            'headers_module /usr/lib/apache2/modules/mod_headers.so',
            'authz_user_module /usr/lib/apache2/modules/mod_authz_user.so',
            'env_module /usr/lib/apache2/modules/mod_env.so',
          ],
          [
            `<Location />`,
            `  MellonEnable info`,
            `  MellonEndpointPath /mellon`,
            `  MellonSPMetadataFile ${dir}/sp.xml`,
            `  MellonSPPrivateKeyFile ${dir}/sp.key`,
            `  MellonSPCertFile ${dir}/sp.cert`,
            `  MellonIdPMetadataFile ${dir}/idp-metadata.xml`,
            `  MellonSecureCookie Off`,
            // Mellon forces SameSite=None on its login cookie, which Chromium drops without Secure.
            `  SetEnv MELLON_DISABLE_SAMESITE 1`,
            `  MellonSetEnv mail urn:oid:0.9.2342.19200300.100.1.3`,
            `  MellonSetEnv displayName urn:oid:2.16.840.1.113730.3.1.241`,
            `  Require all granted`,
            `</Location>`,
            `<Location /secure>`,
            `  AuthType Mellon`,
            `  MellonEnable auth`,
            `  Require valid-user`,
            `  Header always set X-NameID "%{MELLON_NAME_ID}e"`,
            `  Header always set X-Mail "%{MELLON_mail}e"`,
            `  Header always set X-DisplayName "%{MELLON_displayName}e"`,
            `</Location>`,
          ].join('\n'),
        ),
      );
    },
    async stop() {
      await apache?.stop();
    },
    logs: () => apache?.errorLog() ?? '',
  };
}
