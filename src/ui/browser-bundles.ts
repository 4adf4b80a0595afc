import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { registerStaticContent } from './static.ts';

// Browser scripts written in TypeScript (the prompt's WebAuthn script, the Latch Authenticator
// phone app), named in one list and bundled with esbuild into memory once per process, so
// nothing built is committed and a plain `npm ci` is enough.

export const BROWSER_SCRIPTS = {
  'webauthn.js': { entry: new URL('./browser/webauthn.ts', import.meta.url), format: 'iife' },
  'authenticator-app.js': { entry: new URL('../authenticator/pwa/app.ts', import.meta.url), format: 'esm' },
  'authenticator-sw.js': { entry: new URL('../authenticator/pwa/sw.ts', import.meta.url), format: 'esm' },
} as const;
export type BrowserScript = keyof typeof BROWSER_SCRIPTS;

/** Served at /static/ by every page that needs them. */
const PROMPT_SCRIPTS: BrowserScript[] = ['webauthn.js'];

const cache = new Map<BrowserScript, Promise<string>>();

/** The bundle of one script; a failed build is retried on the next call. */
export function browserScript(name: BrowserScript): Promise<string> {
  let script = cache.get(name);
  if (!script) {
    script = bundleForBrowser(name);
    script.catch(() => cache.delete(name));
    cache.set(name, script);
  }
  return script;
}

/** esbuild's minified bundle of one script, for the browsers Latch supports. */
export async function bundleForBrowser(name: BrowserScript): Promise<string> {
  const { entry, format } = BROWSER_SCRIPTS[name];
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

/** Builds the prompt's scripts at start and serves them under /static. */
export async function buildBrowserBundles(): Promise<void> {
  for (const name of PROMPT_SCRIPTS) {
    registerStaticContent(name, 'text/javascript; charset=utf-8', Buffer.from(await browserScript(name)));
  }
}
