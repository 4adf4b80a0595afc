import { after, before, it } from 'mocha';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { tempDir } from '../support/temp.ts';

// Latch serving TLS itself, and Latch behind a TLS-terminating proxy (https baseUrl on plain
// http): cookies must be Secure in both, and forwarded headers believed only from listed proxies.

let temp: ReturnType<typeof tempDir>;
let tlsLatch: InProcessLatch;
let proxiedLatch: InProcessLatch;
let ca: Buffer;

before(async () => {
  temp = tempDir();
  const key = path.join(temp.dir, 'tls.key');
  const cert = path.join(temp.dir, 'tls.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  ca = readFileSync(cert);
  tlsLatch = await startTestLatch({
    baseUrl: 'https://localhost',
    config: { server: { tls: { certFile: cert, keyFile: key } } },
  });
  proxiedLatch = await startTestLatch({ baseUrl: 'https://idp.example.test' });
});

after(async () => {
  await tlsLatch?.stop();
  await proxiedLatch?.stop();
  temp?.cleanup();
});

function get(
  url: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

it('with server.tls, Latch serves HTTPS with the given certificate, HSTS and Secure cookies', async () => {
  const health = await get(`https://127.0.0.1:${tlsLatch.port}/healthz`);
  assert.equal(health.status, 200);
  assert.match(String(health.headers['strict-transport-security']), /max-age=/);
  const start = await get(`https://127.0.0.1:${tlsLatch.port}/account/sign-in`);
  assert.equal(start.status, 302);
  const login = await get(`https://127.0.0.1:${tlsLatch.port}${start.headers.location}`);
  const cookies = [login.headers['set-cookie'] ?? []].flat();
  assert.ok(cookies.length > 0);
  for (const cookie of cookies) assert.match(cookie, /; secure/i, cookie);
});

it('behind a TLS-terminating proxy (https baseUrl, plain http to Latch) cookies are still Secure', async () => {
  const start = await fetch(`http://127.0.0.1:${proxiedLatch.port}/account/sign-in`, { redirect: 'manual' });
  const login = await fetch(`http://127.0.0.1:${proxiedLatch.port}${start.headers.get('location')}`);
  assert.equal(login.status, 200);
  const cookies = login.headers.getSetCookie();
  assert.ok(cookies.some((c) => c.startsWith('latch_flow=')));
  for (const cookie of cookies) {
    assert.match(cookie, /; secure/i, cookie);
    assert.match(cookie, /; httponly/i, cookie);
    assert.match(cookie, /; samesite=lax/i, cookie);
  }
});
