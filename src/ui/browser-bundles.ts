import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { registerStaticContent } from './static.ts';

// Browser scripts written in TypeScript (the prompt's WebAuthn script, the Latch Authenticator
// phone app), bundled with esbuild into memory once per process, so nothing built is committed
// and a plain `npm ci` is enough.

const PROMPT_BUNDLES: Record<string, URL> = {
  'webauthn.js': new URL('./browser/webauthn.ts', import.meta.url),
};

const cache = new Map<string, Promise<string>>();

/** The bundled script of a TypeScript entry point; a failed build is retried on the next call. */
export function bundleScript(entry: URL, format: 'iife' | 'esm' = 'iife'): Promise<string> {
  const cacheKey = `${format}:${entry.href}`;
  let built = cache.get(cacheKey);
  if (!built) {
    built = build({
      entryPoints: [fileURLToPath(entry)],
      bundle: true,
      format,
      platform: 'browser',
      target: ['chrome109', 'firefox115', 'safari16'],
      minify: true,
      legalComments: 'none',
      write: false,
      logLevel: 'silent',
    }).then((result) => result.outputFiles[0]!.text);
    built.catch(() => cache.delete(cacheKey));
    cache.set(cacheKey, built);
  }
  return built;
}

/** Builds the prompt's scripts at start and serves them under /static. */
export async function buildBrowserBundles(): Promise<void> {
  for (const [name, entry] of Object.entries(PROMPT_BUNDLES)) {
    registerStaticContent(name, 'text/javascript; charset=utf-8', Buffer.from(await bundleScript(entry)));
  }
}
