import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { registerStaticContent } from './static.ts';

// Browser scripts written in TypeScript (the prompt's WebAuthn script, the Latch Authenticator
// phone app), bundled with esbuild by `npm run build` into dist/browser/. Running from the sources
// (tests, under tsx), there is no such folder: they are bundled in memory on first use instead.

export const BROWSER_SCRIPTS = {
  'webauthn.js': { entry: new URL('./browser/webauthn.ts', import.meta.url), format: 'iife' },
  'authenticator-app.js': { entry: new URL('../authenticator/pwa/app.ts', import.meta.url), format: 'esm' },
  'authenticator-sw.js': { entry: new URL('../authenticator/pwa/sw.ts', import.meta.url), format: 'esm' },
} as const;
export type BrowserScript = keyof typeof BROWSER_SCRIPTS;

/** Compiled into dist/, this module is JavaScript; under tsx it is the TypeScript source. */
const BUILT = import.meta.url.endsWith('.js') ? new URL('../browser/', import.meta.url) : undefined;
/** Served at /static/ by every page that needs them. */
const PROMPT_SCRIPTS: BrowserScript[] = ['webauthn.js'];

const cache = new Map<BrowserScript, Promise<string>>();

/** A bundle: read from the build, or bundled now from the sources; a failure is retried on the next call. */
export function browserScript(name: BrowserScript): Promise<string> {
  let script = cache.get(name);
  if (!script) {
    script = BUILT ? readFile(new URL(name, BUILT), 'utf8') : bundleForBrowser(name);
    script.catch(() => cache.delete(name));
    cache.set(name, script);
  }
  return script;
}

/** esbuild's minified bundle of one script, for the browsers Latch supports (used by the build too). */
export async function bundleForBrowser(name: BrowserScript): Promise<string> {
  const { entry, format } = BROWSER_SCRIPTS[name];
  // Only the build and runs from the sources need esbuild; dist/ runs without it.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    format,
    platform: 'browser',
    target: ['chrome109', 'firefox115', 'safari16'],
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Reads (or bundles) the prompt's scripts at start and serves them under /static. */
export async function buildBrowserBundles(): Promise<void> {
  for (const name of PROMPT_SCRIPTS) {
    registerStaticContent(name, 'text/javascript; charset=utf-8', Buffer.from(await browserScript(name)));
  }
}
