/// <reference lib="webworker" />
// The phone web app's service worker: shows a notification for a Web Push, opens the app when it
// is tapped, and keeps the app's files so passcodes work offline.

declare const self: ServiceWorkerGlobalScope;
const CACHE = 'latch-authenticator-v1';
const SHELL = [
  '/authenticator/',
  '/authenticator/app.js',
  '/authenticator/app.css',
  '/authenticator/manifest.webmanifest',
  '/authenticator/icon.svg',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

// Network first (pushes and approvals need the server), the cached shell when offline.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || !SHELL.includes(url.pathname)) return;
  event.respondWith(fetch(event.request).catch(async () => (await caches.match(event.request)) ?? Response.error()));
});

self.addEventListener('push', (event) => {
  const data = (event.data?.json() ?? {}) as { id?: string; app?: string; browser?: string };
  event.waitUntil(
    self.registration.showNotification('Sign-in request', {
      body: `${data.app ?? 'An application'} from ${data.browser ?? 'a browser'}. Open to approve or deny.`,
      tag: data.id,
      requireInteraction: true,
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(
    (async () => {
      const open = (await self.clients.matchAll({ type: 'window' })).find((c) =>
        new URL(c.url).pathname.startsWith('/authenticator/'),
      );
      if (open) await open.focus();
      else await self.clients.openWindow('/authenticator/');
    })(),
  );
});
