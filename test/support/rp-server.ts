import http from 'node:http';
import type { AddressInfo } from 'node:net';

// A relying party's web server on 127.0.0.1: it answers the redirect URIs the browser is sent to
// and records back-channel logout tokens that Latch posts to it.

export interface RpServer {
  origin: string;
  logoutTokens: string[];
  stop(): Promise<void>;
}

export async function startRpServer(): Promise<RpServer> {
  const logoutTokens: string[] = [];
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/backchannel-logout') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        const token = new URLSearchParams(body).get('logout_token');
        if (token) logoutTokens.push(token);
        res.writeHead(200).end();
      });
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><title>Relying party</title><h1>Relying party</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    logoutTokens,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
