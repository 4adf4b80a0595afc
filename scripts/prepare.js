// npm runs this (`prepare`) at npm ci and npm install, and npx when it first links this folder to
// run `npx latch`. It builds dist/ unless dist/ already matches the sources, so that `npx latch`
// also works where the build tools were removed (npm prune --omit=dev). Without them, an
// out-of-date dist/ is left for the commands to refuse, with a message saying what to run.
import { spawnSync } from 'node:child_process';
import { buildProblem } from '../bin/built.js';

/** @param {string} name */
const installed = (name) => {
  try {
    import.meta.resolve(name);
    return true;
  } catch {
    return false;
  }
};

const problem = await buildProblem();
if (problem && !installed('tsx')) {
  process.stderr.write(`${problem}\nThe build tools are not installed (npm ci without --omit=dev installs them).\n`);
} else if (problem) {
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', cwd: new URL('..', import.meta.url) });
  process.exitCode = build.status ?? 1;
}
