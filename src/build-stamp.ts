import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// `npm run build` (scripts/build.ts) compiles src/ into dist/ and writes last a stamp: the SHA-256
// of every file the build read, taken before it read them. The commands in bin/ compare it with
// the files before running dist/ (about 10 ms for src/). Content, not modification times: a checkout that
// only touches files does not ask for a rebuild, and an edit, a new file or a removed one is seen
// even when its time is older than the build (copies that keep times, clock changes).

/** The repository: this file is one level below it, in src/ or, compiled, in dist/. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const STAMP_FILE = 'build-stamp.json';

/** Inputs besides src/: how it is compiled and the locked versions of what it bundles. */
const BUILD_FILES = ['package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.ts'];

export interface Stamp {
  /** Relative path (with /) → SHA-256 of its content, hex. */
  files: Record<string, string>;
}

/** Every file the build reads, relative to `root`: src/ without its tests, and BUILD_FILES. */
export function buildInputs(root: string = ROOT): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const file = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(file);
      else if (!entry.name.endsWith('.test.ts')) found.push(file);
    }
  };
  walk('src');
  return [...found, ...BUILD_FILES.filter((file) => existsSync(path.join(root, file)))].sort();
}

/** The sources as they are now; taken before the build reads them, so an edit during it still counts. */
export function stampOfSources(root: string = ROOT): Stamp {
  const files: Record<string, string> = {};
  for (const file of buildInputs(root)) {
    files[file] = createHash('sha256')
      .update(readFileSync(path.join(root, file)))
      .digest('hex');
  }
  return { files };
}

/** Written by the build into its output folder once everything else is there. */
export function writeBuildStamp(outDir: string, stamp: Stamp): void {
  writeFileSync(path.join(outDir, STAMP_FILE), `${JSON.stringify(stamp, null, 1)}\n`);
}

/** Why `distDir` does not match the sources (unfinished, or files changed since), or undefined when it does. */
export function buildProblem(root: string = ROOT, distDir: string = path.join(root, 'dist')): string | undefined {
  let built: Stamp;
  try {
    built = JSON.parse(readFileSync(path.join(distDir, STAMP_FILE), 'utf8')) as Stamp;
  } catch {
    return `The build in dist/ is unfinished: it has no ${STAMP_FILE}.`;
  }
  const now = stampOfSources(root).files;
  const changes: string[] = [];
  for (const [file, hash] of Object.entries(now)) {
    if (built.files[file] === undefined) changes.push(`${file} is new`);
    else if (built.files[file] !== hash) changes.push(`${file} changed`);
  }
  for (const file of Object.keys(built.files)) if (now[file] === undefined) changes.push(`${file} was removed`);
  if (changes.length === 0) return undefined;
  const listed = changes.length > 5 ? [...changes.slice(0, 5), `${changes.length - 5} more`] : changes;
  return `The build in dist/ is older than the sources: ${listed.join(', ')}.`;
}
