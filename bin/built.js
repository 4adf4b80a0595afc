// @ts-check
// Shared by the commands in bin/: loads a module of dist/, the JavaScript that `npm run build`
// compiles from src/ (npm ci runs it). A missing or out-of-date build stops with a message that
// says what to run, rather than a stack trace or a run of code older than the sources.
import { existsSync } from 'node:fs';

const DIST = new URL('../dist/', import.meta.url);

/** @param {string} file a module under dist/, e.g. 'cli/main.js' */
export async function importBuilt(file) {
  const stamp = new URL('build-stamp.js', DIST);
  if (!existsSync(stamp)) stop('Latch is not built yet: there is no dist/ folder.');
  const { buildProblem } = await import(stamp.href);
  const problem = buildProblem();
  if (problem) stop(problem);
  return import(new URL(file, DIST).href);
}

/** @param {string} problem */
function stop(problem) {
  process.stderr.write(`${problem}\nRun \`npm run build\` (a few seconds), then try again.\n`);
  process.exit(1);
}
