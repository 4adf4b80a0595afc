import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestKey, type TestKey } from '../saml-certs.ts';
import { spMetadataXml } from '../sp-metadata.ts';
import { freePort, waitForPort } from '../free-port.ts';

// pysaml2 as a real SP, run by /usr/bin/python3 (Debian's python3-pysaml2) on a free port.
// Its metadata is written by us from the same key pysaml2 uses, so Latch can load it first;
// pysaml2 then reads Latch's metadata from a file once Latch runs.

const SCRIPT = fileURLToPath(new URL('./pysaml2_sp.py', import.meta.url));

export interface Pysaml2Sp {
  base: string;
  entityId: string;
  metadataXml: string;
  key: TestKey;
  start(idpMetadataXml: string): Promise<void>;
  stop(): Promise<void>;
  output(): string;
}

export async function preparePysaml2Sp(dir: string): Promise<Pysaml2Sp> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const key = makeTestKey('pysaml2-sp');
  const keyFile = path.join(dir, 'pysaml2-sp.key');
  const certFile = path.join(dir, 'pysaml2-sp.crt');
  writeFileSync(keyFile, key.privateKeyPem);
  writeFileSync(certFile, key.certificatePem);
  const entityId = `${base}/metadata`;
  let child: ChildProcess | undefined;
  let log = '';
  return {
    base,
    entityId,
    key,
    metadataXml: spMetadataXml({ entityId, acs: [`${base}/acs`], sloUrl: `${base}/slo`, certificatePem: key.certificatePem }),
    async start(idpMetadataXml) {
      const idpFile = path.join(dir, 'idp-metadata.xml');
      writeFileSync(idpFile, idpMetadataXml);
      const settings = path.join(dir, 'pysaml2-sp.json');
      writeFileSync(settings, JSON.stringify({ base, port, idp_metadata: idpFile, key_file: keyFile, cert_file: certFile }));
      child = spawn('/usr/bin/python3', [SCRIPT, settings], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
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
