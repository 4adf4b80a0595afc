import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { registerStaticContent } from './static.ts';

// The browser scripts the pages need, bundled with esbuild when the server starts (into memory,
// once per process), so nothing built is committed and a plain `npm ci` is enough.

const BUNDLES: Record<string, URL> = {
  'webauthn.js': new URL('./browser/webauthn.ts', import.meta.url),
};

let built: Promise<void> | undefined;

export function buildBrowserBundles(): Promise<void> {
  built ??= (async () => {
    for (const [name, entry] of Object.entries(BUNDLES)) {
      const result = await build({
        entryPoints: [fileURLToPath(entry)],
        bundle: true,
        format: 'iife',
        platform: 'browser',
        target: ['chrome109', 'firefox115', 'safari16'],
        minify: true,
        write: false,
        logLevel: 'silent',
      });
      registerStaticContent(name, 'text/javascript; charset=utf-8', Buffer.from(result.outputFiles[0]!.contents));
    }
  })();
  return built;
}
