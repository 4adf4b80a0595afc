import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@duosecurity/duo_universal';

// A small web application that keeps its own password and asks for the second factor through
// the Universal Prompt with the official @duosecurity/duo_universal SDK, as its README shows:
// health check, state, createAuthUrl, then exchangeAuthorizationCodeFor2FAResult on the callback.

export const APP_PASSWORD = "the application's own password";

export interface UniversalApp {
  url: string;
  /** The last code the app was sent back with (a test replays it). */
  lastCode(): string | undefined;
  stop(): Promise<void>;
}

const page = (body: string) =>
  `<!doctype html><html><head><title>Example app</title></head><body>${body}</body></html>`;
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startUniversalApp(makeClient: (redirectUrl: string) => Client): Promise<UniversalApp> {
  const states = new Map<string, string>();
  let lastCode: string | undefined;
  let client: Client | undefined;
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      res
        .writeHead(500, { 'content-type': 'text/html' })
        .end(page(`<h1>Second factor failed</h1><p id="error">${escape(String((err as Error).message))}</p>`));
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://app');
    if (req.method === 'GET' && url.pathname === '/login') {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          page(
            '<form method="post" action="/login"><label>Username <input name="username"></label><label>Password <input name="password" type="password"></label><button>Log in</button></form>',
          ),
        );
      return;
    }
    if (req.method === 'POST' && url.pathname === '/login') {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      const form = new URLSearchParams(body);
      const username = form.get('username') ?? '';
      if (form.get('password') !== APP_PASSWORD)
        return void res.writeHead(403).end(page('<p id="error">Wrong password</p>'));
      await client!.healthCheck();
      const state = client!.generateState();
      states.set(state, username);
      res.writeHead(302, { location: await client!.createAuthUrl(username, state) }).end();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/callback') {
      const state = url.searchParams.get('state') ?? '';
      const username = states.get(state);
      states.delete(state);
      if (!username) return void res.writeHead(400).end(page('<p id="error">Unknown state</p>'));
      const error = url.searchParams.get('error');
      if (error)
        return void res
          .writeHead(403, { 'content-type': 'text/html' })
          .end(page(`<p id="error">${escape(error)}: ${escape(url.searchParams.get('error_description') ?? '')}</p>`));
      lastCode = url.searchParams.get('duo_code') ?? '';
      const token = await client!.exchangeAuthorizationCodeFor2FAResult(lastCode, username);
      const result = token.auth_result.result;
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          page(
            `<h1>Welcome ${escape(username)}</h1><p id="result">${escape(result)}</p><pre id="token">${escape(JSON.stringify(token))}</pre>`,
          ),
        );
      return;
    }
    res.writeHead(404).end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = makeClient(`${url}/callback`);
  return { url, lastCode: () => lastCode, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
