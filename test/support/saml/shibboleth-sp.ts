import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTestKey, type TestKey } from '../saml-certs.ts';
import { spMetadataXml } from '../sp-metadata.ts';
import { freePort } from '../free-port.ts';
import { httpdConf, startApache, type Apache } from './apache.ts';

// Shibboleth SP 3 (Debian's libapache2-mod-shib): shibd plus Apache with mod_shib, all state in a
// private directory. Its SP metadata is written by us from the key shibd uses, so Latch can load
// it before the SP starts; the SP then reads Latch's metadata from a file.
// Sign in: /Shibboleth.sso/Login?target=/Shibboleth.sso/Session ; the Session handler shows the
// attributes (NameID mapped as "nameid"). Logout: /Shibboleth.sso/Logout.

export interface ShibbolethSp {
  base: string;
  entityId: string;
  metadataXml: string;
  key: TestKey;
  start(idpMetadataXml: string, idpEntityId: string): Promise<void>;
  stop(): Promise<void>;
  logs(): string;
}

const ATTRIBUTE_MAP = `<Attributes xmlns="urn:mace:shibboleth:2.0:attribute-map">
  <Attribute name="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" id="nameid"/>
  <Attribute name="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified" id="nameid"/>
  <Attribute name="urn:oid:0.9.2342.19200300.100.1.3" id="mail"/>
  <Attribute name="urn:oid:2.16.840.1.113730.3.1.241" id="displayName"/>
  <Attribute name="urn:oid:0.9.2342.19200300.100.1.1" id="uid"/>
  <Attribute name="urn:oid:1.3.6.1.4.1.5923.1.5.1.1" id="isMemberOf"/>
</Attributes>`;

export async function prepareShibbolethSp(root: string): Promise<ShibbolethSp> {
  const dir = path.join(root, 'shibboleth');
  mkdirSync(dir, { recursive: true });
  cpSync('/etc/shibboleth', dir, { recursive: true });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const entityId = `${base}/shibboleth`;
  const key = makeTestKey('shibboleth-sp');
  writeFileSync(path.join(dir, 'sp-key.pem'), key.privateKeyPem);
  writeFileSync(path.join(dir, 'sp-cert.pem'), key.certificatePem);
  writeFileSync(path.join(dir, 'attribute-map.xml'), ATTRIBUTE_MAP);
  writeFileSync(
    path.join(dir, 'shibd.logger'),
    `log4j.rootCategory=INFO, f\nlog4j.appender.f=org.apache.log4j.FileAppender\nlog4j.appender.f.fileName=${dir}/shibd.log\nlog4j.appender.f.layout=org.apache.log4j.PatternLayout\nlog4j.appender.f.layout.ConversionPattern=%d{%Y-%m-%d %H:%M:%S} %p %c %x: %m%n\n`,
  );
  writeFileSync(
    path.join(dir, 'native.logger'),
    `log4j.rootCategory=WARN, f\nlog4j.appender.f=org.apache.log4j.FileAppender\nlog4j.appender.f.fileName=${dir}/native.log\nlog4j.appender.f.layout=org.apache.log4j.PatternLayout\nlog4j.appender.f.layout.ConversionPattern=%d %p %c %x: %m%n\n`,
  );
  const env = { SHIBSP_CFGDIR: dir, SHIBSP_RUNDIR: dir, SHIBSP_CACHEDIR: dir, SHIBSP_LOGDIR: dir };
  let shibd: ChildProcess | undefined;
  let apache: Apache | undefined;
  let shibdOut = '';

  return {
    base,
    entityId,
    key,
    metadataXml: spMetadataXml({
      entityId,
      acs: [`${base}/Shibboleth.sso/SAML2/POST`],
      sloUrl: `${base}/Shibboleth.sso/SLO/Redirect`,
      certificatePem: key.certificatePem,
    }),
    async start(idpMetadataXml, idpEntityId) {
      writeFileSync(path.join(dir, 'idp-metadata.xml'), idpMetadataXml);
      writeFileSync(path.join(dir, 'shibboleth2.xml'), shibboleth2Xml(dir, port, entityId, idpEntityId));
      shibd = spawn(
        '/usr/sbin/shibd',
        ['-f', '-F', '-c', path.join(dir, 'shibboleth2.xml'), '-p', path.join(dir, 'shibd.pid')],
        { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      shibd.stdout!.on('data', (d: Buffer) => (shibdOut += d));
      shibd.stderr!.on('data', (d: Buffer) => (shibdOut += d));
      await waitForFile(path.join(dir, 'shibd.sock'), () => shibdOut);
      apache = await startApache(
        dir,
        port,
        httpdConf(
          dir,
          port,
          ['mod_shib /usr/lib/apache2/modules/mod_shib.so'],
          [
            `ShibConfig ${dir}/shibboleth2.xml`,
            `<Location /Shibboleth.sso>`,
            `  SetHandler shib`,
            `  Require all granted`,
            `</Location>`,
          ].join('\n'),
        ),
        env,
      );
    },
    async stop() {
      await apache?.stop();
      if (shibd && shibd.exitCode === null) {
        const exited = new Promise((r) => shibd!.once('exit', r));
        shibd.kill('SIGTERM');
        await exited;
      }
    },
    logs: () => `${shibdOut}\n${apache?.errorLog() ?? ''}`,
  };
}

async function waitForFile(file: string, output: () => string): Promise<void> {
  const { existsSync } = await import('node:fs');
  for (let i = 0; i < 200; i++) {
    if (existsSync(file)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`shibd did not create ${file}:\n${output()}`);
}

function shibboleth2Xml(dir: string, port: number, entityId: string, idpEntityId: string): string {
  return `<SPConfig xmlns="urn:mace:shibboleth:3.0:native:sp:config" xmlns:conf="urn:mace:shibboleth:3.0:native:sp:config" clockSkew="180" logger="${dir}/shibd.logger">
  <OutOfProcess logger="${dir}/shibd.logger"/>
  <InProcess logger="${dir}/native.logger"/>
  <UnixListener address="${dir}/shibd.sock"/>
  <StorageService type="Memory" id="mem" cleanupInterval="900"/>
  <SessionCache type="StorageService" StorageService="mem" cacheAssertions="false" cacheAllowance="900" inprocTimeout="900" cleanupInterval="900"/>
  <ReplayCache StorageService="mem"/>
  <RequestMapper type="Native"><RequestMap><Host name="127.0.0.1" port="${port}" scheme="http"/></RequestMap></RequestMapper>
  <ApplicationDefaults entityID="${entityId}" REMOTE_USER="nameid mail">
    <Sessions lifetime="28800" timeout="3600" relayState="ss:mem" checkAddress="false" handlerSSL="false" cookieProps="http" handlerURL="/Shibboleth.sso">
      <SSO entityID="${idpEntityId}">SAML2</SSO>
      <Logout>SAML2 Local</Logout>
      <Handler type="MetadataGenerator" Location="/Metadata" signing="false"/>
      <Handler type="Status" Location="/Status" acl="127.0.0.1 ::1"/>
      <Handler type="Session" Location="/Session" showAttributeValues="true"/>
    </Sessions>
    <Errors supportContact="root@localhost" helpLocation="/about.html" styleSheet="/shibboleth-sp/main.css"/>
    <MetadataProvider type="XML" validate="true" path="${dir}/idp-metadata.xml"/>
    <AttributeExtractor type="XML" validate="true" reloadChanges="false" path="${dir}/attribute-map.xml"/>
    <AttributeFilter type="XML" validate="true" path="${dir}/attribute-policy.xml"/>
    <CredentialResolver type="File" key="${dir}/sp-key.pem" certificate="${dir}/sp-cert.pem"/>
  </ApplicationDefaults>
  <SecurityPolicyProvider type="XML" validate="true" path="${dir}/security-policy.xml"/>
  <ProtocolProvider type="XML" validate="true" reloadChanges="false" path="${dir}/protocols.xml"/>
</SPConfig>`;
}
