import { readFileSync } from 'node:fs';

// Latch's own static files, from a fixed list (no path from the request ever reaches the disk).
const FILES: Record<string, { type: string; path?: URL }> = {
  'latch.css': { type: 'text/css; charset=utf-8', path: new URL('./static/latch.css', import.meta.url) },
  'admin.css': { type: 'text/css; charset=utf-8', path: new URL('./static/admin.css', import.meta.url) },
};
const cache = new Map<string, Buffer>();

/** Later parts add their browser bundles (e.g. the WebAuthn prompt script). */
export function registerStatic(name: string, type: string, path: URL): void {
  FILES[name] = { type, path };
}

/** A file made in memory at start (see browser-bundles.ts). */
export function registerStaticContent(name: string, type: string, body: Buffer): void {
  FILES[name] = { type };
  cache.set(name, body);
}

/** A static file by name, with its content type; undefined for a name not in the list. */
export function staticFile(name: string): { type: string; body: Buffer } | undefined {
  const file = FILES[name];
  if (!file) return undefined;
  let body = cache.get(name);
  if (!body) {
    if (!file.path) return undefined;
    body = readFileSync(file.path);
    cache.set(name, body);
  }
  return { type: file.type, body };
}
