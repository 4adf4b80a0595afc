import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'mocha';
import { cleanEnv, REPO_ROOT, runCommand, type CommandResult } from '../support/commands.ts';
import { scratchDir } from '../support/temp.ts';

// `latch` and `latch-authenticator` run dist/, which `npm run build` compiles from src/. Without a
// build, or with sources changed since, they stop with a message naming the command to run, not a
// stack trace, and never run code older than the sources. On a copy of the repository, so that
// this checkout's dist/ stays as it is.

const COPIED = [
  'bin',
  'config',
  'scripts',
  'src',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
];

describe('the compiled build', () => {
  const root = path.join(scratchDir('latch-build-'), 'latch');
  for (const entry of COPIED) fs.cpSync(path.join(REPO_ROOT, entry), path.join(root, entry), { recursive: true });
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'));
  fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  const env = cleanEnv();
  const latch = (...args: string[]) => runCommand(process.execPath, ['bin/latch.js', ...args], { env, cwd: root });
  const authenticator = (...args: string[]) =>
    runCommand(process.execPath, ['bin/latch-authenticator.js', ...args], { env, cwd: root });
  const build = async () => {
    const built = await runCommand('npm', ['run', 'build'], { env, cwd: root, timeoutMs: 120_000 });
    assert.equal(built.code, 0, `npm run build failed:\n${built.stdout}${built.stderr}`);
    assert.match(built.stdout, /Built dist\/ in \d+\.\d s\./);
  };
  const refused = (result: CommandResult, problem: RegExp) => {
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, problem);
    assert.match(result.stderr, /\nRun `npm run build` \(a few seconds\), then try again\.\n$/);
    assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
  };

  it('without dist/, both commands say to run npm run build', async () => {
    refused(await latch('--help'), /^Latch is not built yet: there is no dist\/ folder\.\n/);
    refused(await authenticator('--help'), /^Latch is not built yet: there is no dist\/ folder\.\n/);
  });

  it('after npm run build, both commands run the compiled code, with the browser scripts bundled', async () => {
    await build();
    const usage = await latch('--help');
    assert.equal(usage.code, 0, usage.stderr);
    assert.match(usage.stdout, /^Usage: latch <command>/);
    const authenticatorUsage = await authenticator('--help');
    assert.equal(authenticatorUsage.code, 0, authenticatorUsage.stderr);
    assert.match(authenticatorUsage.stdout, /^Usage: latch-authenticator <command>/);
    assert.deepEqual(fs.readdirSync(path.join(root, 'dist', 'browser')).sort(), [
      'authenticator-app.js',
      'authenticator-sw.js',
      'webauthn.js',
    ]);
    assert.ok(
      fs.existsSync(path.join(root, 'dist', 'ui', 'static', 'latch.css')),
      'files other than TypeScript are copied',
    );
    assert.deepEqual(
      fs.readdirSync(root).filter((name) => name.startsWith('.dist')),
      [],
      'no build folder left behind',
    );
  });

  it('prepare (npm ci, and npx when it links the folder) leaves a current build alone', async () => {
    const stamp = path.join(root, 'dist', 'build-stamp.json');
    const before = fs.statSync(stamp).mtimeMs;
    const prepared = await runCommand(process.execPath, ['scripts/prepare.js'], { env, cwd: root });
    assert.equal(prepared.code, 0, prepared.stderr);
    assert.equal(prepared.stdout + prepared.stderr, '');
    assert.equal(fs.statSync(stamp).mtimeMs, before);
  });

  it('a source changed since the build is named; npm run build again brings the commands back', async () => {
    const main = path.join(root, 'src', 'main.ts');
    fs.appendFileSync(main, '// edited\n');
    refused(await latch('--help'), /^The build in dist\/ is older than the sources: src\/main\.ts changed\.\n/);
    refused(await authenticator('--help'), /^The build in dist\/ is older than the sources: src\/main\.ts changed\.\n/);
    await build();
    assert.equal((await latch('--help')).code, 0);
  });
});
