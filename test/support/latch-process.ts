import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { freePort } from './redis-server.ts';

// Runs the real `latch` command as a child process, the way an operator does:
//
//   const latch = await startLatchProcess({ config: { throttle: {...} } });  // temp data dir, free port
//   await addUser(latch.env, 'alice', { displayName: 'Alice Liddell', password: 's3cret-pass' });
//   await fetch(`${latch.url}/healthz`);
//   latch.authEvents();            // the `auth` objects of the JSON log lines so far
//   await latch.stop();            // SIGTERM; resolves with the exit code
//   await latch.kill();            // SIGKILL, as in a crash (the data dir stays)
//
// Processes still running when the test process exits are killed; temp dirs made here are removed.

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LATCH_BIN = path.join(REPO_ROOT, 'bin', 'latch.js');

export type LogLine = Record<string, unknown> & { msg?: string; auth?: Record<string, unknown> };

export interface LatchProcess {
  url: string;
  port: number;
  dataDir: string;
  /** The environment the process runs with (LATCH_* included); reuse it for CLI commands. */
  env: NodeJS.ProcessEnv;
  /** Parsed JSON log lines written to stdout so far. */
  logs(): LogLine[];
  authEvents(): Record<string, unknown>[];
  /** The first auth event that matches, waiting for it (log lines reach the test a little later than the page). */
  authEvent(match: (event: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stderr(): string;
  /** SIGTERM and wait; resolves with the exit code (null when ended by a signal). */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

export interface StartOptions {
  /** Reuse a data dir (e.g. after a kill); by default a new temp dir, removed at exit. */
  dataDir?: string;
  port?: number;
  /** Written to a temp YAML file passed as LATCH_CONFIG. */
  config?: Record<string, unknown>;
  /** Extra LATCH_* variables. */
  env?: Record<string, string>;
}

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'latch-e2e-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** The parent's environment without any LATCH_* variable (an unknown one would stop Latch). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('LATCH_')) env[name] = value;
  return { ...env, ...extra };
}

/** Writes a YAML config file into `dir` and returns its path. */
export function writeConfig(dir: string, config: Record<string, unknown>, name = 'latch.yaml'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, YAML.stringify(config));
  return file;
}

/** The environment for a Latch on this data dir and port (optionally with a config file). */
export function latchEnv(options: { dataDir: string; port: number; config?: Record<string, unknown>; env?: Record<string, string> }): NodeJS.ProcessEnv {
  const extra: Record<string, string> = {
    LATCH_DATA_DIR: options.dataDir,
    LATCH_PORT: String(options.port),
    LATCH_BASE_URL: `http://127.0.0.1:${options.port}`,
    LATCH_LOG_LEVEL: 'info',
    ...options.env,
  };
  if (options.config) extra.LATCH_CONFIG = writeConfig(tempDir('latch-config-'), options.config);
  return cleanEnv(extra);
}

export async function startLatchProcess(options: StartOptions = {}): Promise<LatchProcess> {
  const dataDir = options.dataDir ?? tempDir('latch-data-');
  const port = options.port ?? (await freePort());
  const env = latchEnv({ dataDir, port, config: options.config, env: options.env });
  const child = spawn(process.execPath, [LATCH_BIN, 'serve'], { env, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => children.delete(child));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const end = async (signal: NodeJS.Signals) => {
    if (alive()) child.kill(signal);
    return exited;
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, exited, () => stderr + stdout);
  } catch (err) {
    await end('SIGKILL');
    throw err;
  }
  const logs = () =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  const authEvents = () => logs().flatMap((l) => (l.auth ? [l.auth] : []));
  return {
    url,
    port,
    dataDir,
    env,
    logs,
    authEvents,
    async authEvent(match, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = authEvents().find(match);
        if (found) return found;
        if (Date.now() > until) throw new Error(`no matching auth event in ${timeoutMs} ms; last: ${JSON.stringify(authEvents().slice(-3))}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stderr: () => stderr,
    stop: () => end('SIGTERM'),
    kill: async () => {
      await end('SIGKILL');
    },
  };
}

async function waitForHealth(url: string, exited: Promise<number | null>, output: () => string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`latch exited during start:\n${output()}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`latch at ${url} did not answer /healthz within 30 s:\n${output()}`);
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  input?: string;
  cwd?: string;
  /** Killed (SIGKILL) and rejected after this long; 60 s by default. */
  timeoutMs?: number;
}

/** Runs `node bin/latch.js ARGS` with this environment and stdin; waits for it to end. */
export function runLatch(args: string[], options: RunOptions): Promise<CommandResult> {
  return runCommand(process.execPath, [LATCH_BIN, ...args], options);
}

export function runCommand(command: string, args: string[], options: RunOptions): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd ?? REPO_ROOT, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const timeoutMs = options.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not end within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
    // A command that exits without reading its input must not fail the test with EPIPE.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input);
  });
}

/** `latch user add NAME --password-stdin …`; throws with the CLI's stderr when it fails. */
export async function addUser(
  env: NodeJS.ProcessEnv,
  name: string,
  options: { password: string; displayName?: string; groups?: string[] },
): Promise<void> {
  const args = ['user', 'add', name, '--password-stdin'];
  if (options.displayName) args.push('--display-name', options.displayName);
  for (const group of options.groups ?? []) args.push('--group', group);
  const result = await runLatch(args, { env, input: `${options.password}\n` });
  if (result.code !== 0) throw new Error(`latch user add ${name} failed (${result.code}):\n${result.stderr}`);
}
