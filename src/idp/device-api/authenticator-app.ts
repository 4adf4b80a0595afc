import { readFileSync } from 'node:fs';
import type { Ctx } from '../../http/context.ts';
import { route, type Route } from '../../http/route.ts';
import { CSP } from '../../http/security-headers.ts';
import { browserScript } from '../../ui/browser-bundles.ts';
import { html } from '../../util/html.ts';

// Serves the Latch Authenticator phone web app at /authenticator/: page, manifest, service worker
// and the script, bundled from src/authenticator/pwa/ (src/ui/browser-bundles.ts).

const PWA = new URL('../../authenticator/pwa/', import.meta.url);
// The app also needs its manifest and service worker, which the site-wide policy does not allow.
const APP_CSP = CSP.replace("default-src 'none';", "default-src 'none'; manifest-src 'self'; worker-src 'self';");

const MANIFEST = {
  name: 'Latch Authenticator',
  short_name: 'Latch',
  description: 'Approve sign-ins and get passcodes for your Latch account.',
  start_url: '/authenticator/',
  scope: '/authenticator/',
  display: 'standalone',
  background_color: '#ffffff',
  theme_color: '#1f5fbf',
  icons: [{ src: '/authenticator/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any maskable' }],
};

const page = () => html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="theme-color" content="#1f5fbf">
<title>Latch Authenticator</title>
<link rel="manifest" href="/authenticator/manifest.webmanifest">
<link rel="icon" href="/authenticator/icon.svg">
<link rel="stylesheet" href="/static/latch.css">
<link rel="stylesheet" href="/authenticator/app.css">
<script type="module" src="/authenticator/app.js"></script>
</head>
<body>
<main class="card">
<h1>Latch Authenticator</h1>
<p id="status" role="status"></p>
<section id="requests" aria-label="Sign-in requests"></section>
<section id="accounts" aria-label="Accounts"></section>
<section aria-labelledby="add-heading">
<h2 id="add-heading">Add an account</h2>
<form id="activate-form">
<label for="link">Activation link</label>
<input id="link" type="url" autocomplete="off" required placeholder="Paste the link from your account page">
<label for="device-name">Name of this device</label>
<input id="device-name" type="text" value="Phone web app">
<label for="pin">Choose a PIN (4 to 12 digits)</label>
<input id="pin" type="password" inputmode="numeric" autocomplete="new-password" required>
<button type="submit">Activate</button>
</form>
</section>
<noscript><p class="alert">The Latch Authenticator needs JavaScript.</p></noscript>
</main>
</body>
</html>
`;

function send(ctx: Ctx, type: string, body: string | Buffer, cache = 'no-cache'): void {
  ctx.set('Content-Security-Policy', APP_CSP);
  ctx.set('Cache-Control', cache);
  ctx.type = type;
  ctx.body = body;
}

export function authenticatorAppRoutes(): Route[] {
  const asset = (
    file: string,
    type: string,
    body: () => string | Buffer | Promise<string | Buffer>,
    cache?: string,
  ): Route =>
    route({
      method: 'get',
      path: `/authenticator/${file}`,
      async handle(ctx) {
        send(ctx, type, await body(), cache);
      },
    });
  return [
    route({
      method: 'get',
      path: '/authenticator/',
      handle(ctx) {
        // The router matches with and without the slash; the app's relative scope needs the slash.
        if (!ctx.path.endsWith('/')) return ctx.redirect('/authenticator/');
        send(ctx, 'html', page().text, 'no-store');
      },
    }),
    asset('app.js', 'text/javascript; charset=utf-8', () => browserScript('authenticator-app.js')),
    asset('sw.js', 'text/javascript; charset=utf-8', () => browserScript('authenticator-sw.js')),
    asset('app.css', 'text/css; charset=utf-8', () => readFileSync(new URL('app.css', PWA))),
    asset('icon.svg', 'image/svg+xml', () => readFileSync(new URL('icon.svg', PWA)), 'public, max-age=86400'),
    asset('manifest.webmanifest', 'application/manifest+json', () => JSON.stringify(MANIFEST)),
  ];
}
