// @ts-check
// Shared by the commands in bin/ and scripts/prepare.js: dist/ is the JavaScript that `npm run
// build` compiles from src/. A missing or out-of-date build stops the commands with a message
// that says what to run, rather than a stack trace or a run of code older than the sources.
import { existsSync } from 'node:fs';

const DIST = new URL('../dist/', import.meta.url);

/** Why dist/ cannot run (missing, unfinished, older than the sources), or undefined when it can. */
export async function buildProblem() {
  const stamp = new URL('build-stamp.js', DIST);
  if (!existsSync(stamp)) return 'Latch is not built yet: there is no dist/ folder.';
  const { buildProblem: stampProblem } = await import(stamp.href);
  return stampProblem();
}

/** @param {string} file a module under dist/, e.g. 'cli/main.js' */
export async function importBuilt(file) {
  const problem = await buildProblem();
  if (problem) {
    process.stderr.write(`${problem}\nRun \`npm run build\` (a few seconds), then try again.\n`);
    process.exit(1);
  }
  return import(new URL(file, DIST).href);
}
