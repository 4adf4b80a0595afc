import fs from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { openssl } from '../support/keys.ts';
import { scratchDir } from '../support/temp.ts';

// A local stand-in for a browser vendor's push service (this network reaches none of the real
// ones): HTTPS on 127.0.0.1 with a certificate for 127.0.0.1 and STAND_IN_HOST, trusted by this
// test process. It records what it receives.

export const STAND_IN_HOST = 'push.latch.test';

export interface PushServiceStandIn {
  port: number;
  received: Array<{ path: string; headers: IncomingHttpHeaders; bytes: number }>;
  /** Waits up to `ms` for a message to `path`; returns how many arrived there. */
  waitForMessages(path: string, ms: number): Promise<number>;
  close(): void;
}

export async function startPushService(): Promise<PushServiceStandIn> {
  const dir = scratchDir('latch-push-service-');
  const [keyFile, certFile] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    '/CN=push stand-in',
    '-addext',
    `subjectAltName=IP:127.0.0.1,DNS:${STAND_IN_HOST}`,
    '-days',
    '1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  const cert = fs.readFileSync(certFile, 'utf8');
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), cert]);
  const received: PushServiceStandIn['received'] = [];
  const server = https.createServer({ key: fs.readFileSync(keyFile), cert }, (req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, bytes });
      res.writeHead(201).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    async waitForMessages(path, ms) {
      const count = () => received.filter((r) => r.path === path).length;
      for (let waited = 0; waited < ms && count() === 0; waited += 50) await new Promise((r) => setTimeout(r, 50));
      return count();
    },
    close: () => server.close(),
  };
}
