// `npm run build` (npm ci runs it through `prepare` when dist/ is missing or out of date):
// compiles src/ into dist/, which `npm start`, `npx latch` and `npx latch-authenticator` run, so
// production runs plain JavaScript.
//   1. tsc writes each module as JavaScript in the same tree (dist/ is src/'s sibling, so paths such
//      as ../../config/default.yaml still resolve). Types are checked by `npm test`, not here.
//   2. The other files of src/ (CSS, icons, plain browser scripts) are copied beside them.
//   3. The browser scripts written in TypeScript are bundled into dist/browser/.
//   4. The stamp of the sources (src/build-stamp.ts), taken first, is written last; the new folder
//      then takes dist/'s place by renames, so a running Latch never reads a half-written build.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, stampOfSources, writeBuildStamp } from '../src/build-stamp.ts';
import { BROWSER_SCRIPTS, bundleForBrowser, type BrowserScript } from '../src/ui/browser-bundles.ts';

const DIST = path.join(ROOT, 'dist');
const NEXT = path.join(ROOT, '.dist-next');
const OLD = path.join(ROOT, '.dist-old');

function compile(): void {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', NEXT, '--noCheck'];
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`tsc failed (exit code ${result.status ?? result.signal})`);
}

function copyOtherFiles(): void {
  cpSync(path.join(ROOT, 'src'), NEXT, {
    recursive: true,
    filter: (source) => !source.endsWith('.ts'),
  });
}

async function bundleBrowserScripts(): Promise<void> {
  mkdirSync(path.join(NEXT, 'browser'));
  for (const name of Object.keys(BROWSER_SCRIPTS) as BrowserScript[]) {
    writeFileSync(path.join(NEXT, 'browser', name), await bundleForBrowser(name));
  }
}

const started = performance.now();
const stamp = stampOfSources();
rmSync(NEXT, { recursive: true, force: true });
compile();
copyOtherFiles();
await bundleBrowserScripts();
writeBuildStamp(NEXT, stamp);
rmSync(OLD, { recursive: true, force: true });
if (existsSync(DIST)) renameSync(DIST, OLD);
renameSync(NEXT, DIST);
rmSync(OLD, { recursive: true, force: true });
console.log(`Built dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
