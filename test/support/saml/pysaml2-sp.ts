import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestKey, type TestKey } from '../saml-certs.ts';
import { spMetadataXml } from '../sp-metadata.ts';
import { freePort, waitForPort } from '../free-port.ts';

// The Python SPs, run by /usr/bin/python3 on a free port: pysaml2 (python3-pysaml2) and
// python3-saml (python3-onelogin-saml2). Their metadata is written by us from the same key the SP
// uses, so Latch can load it first; the SP then reads Latch's metadata from a file.

const SCRIPTS = {
  pysaml2: {
    file: fileURLToPath(new URL('./pysaml2_sp.py', import.meta.url)),
    acs: '/acs',
    slo: '/slo',
    signsRequests: false,
  },
  onelogin: {
    file: fileURLToPath(new URL('./onelogin_sp.py', import.meta.url)),
    acs: '/acs',
    slo: '/sls',
    signsRequests: true,
  },
};

export interface Pysaml2Sp {
  base: string;
  entityId: string;
  metadataXml: string;
  key: TestKey;
  start(idpMetadataXml: string): Promise<void>;
  stop(): Promise<void>;
  output(): string;
}

export interface Pysaml2Options {
  /** pysaml2 only: an SP without a signing certificate in its metadata, sending unsigned LogoutRequests. */
  unsignedLogout?: boolean;
}

export async function preparePysaml2Sp(
  dir: string,
  kind: keyof typeof SCRIPTS = 'pysaml2',
  options: Pysaml2Options = {},
): Promise<Pysaml2Sp> {
  const script = SCRIPTS[kind];
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const key = makeTestKey('pysaml2-sp');
  const keyFile = path.join(dir, `${kind}-sp.key`);
  const certFile = path.join(dir, `${kind}-sp.crt`);
  writeFileSync(keyFile, key.privateKeyPem);
  writeFileSync(certFile, key.certificatePem);
  const entityId = `${base}/metadata`;
  let child: ChildProcess | undefined;
  let log = '';
  return {
    base,
    entityId,
    key,
    metadataXml: spMetadataXml({
      entityId,
      acs: [base + script.acs],
      sloUrl: base + script.slo,
      ...(options.unsignedLogout ? {} : { certificatePem: key.certificatePem }),
      authnRequestsSigned: script.signsRequests,
    }),
    async start(idpMetadataXml) {
      const idpFile = path.join(dir, `${kind}-idp-metadata.xml`);
      writeFileSync(idpFile, idpMetadataXml);
      const settings = path.join(dir, `${kind}-sp.json`);
      const signLogout = !options.unsignedLogout;
      writeFileSync(
        settings,
        JSON.stringify({
          base,
          port,
          idp_metadata: idpFile,
          key_file: keyFile,
          cert_file: certFile,
          sign_logout: signLogout,
        }),
      );
      child = spawn('/usr/bin/python3', [script.file, settings], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (d: Buffer) => (log += d));
      child.stderr!.on('data', (d: Buffer) => (log += d));
      await waitForPort(port);
    },
    async stop() {
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
    output: () => log,
  };
}
