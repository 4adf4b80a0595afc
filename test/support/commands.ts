import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

// Runs commands the way an operator types them: `latch user add …`, `npm ci`, the phone's
// `latch-authenticator …`. Children still running when the test process exits are killed.

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const LATCH_BIN = path.join(REPO_ROOT, 'bin', 'latch.js');

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Kills the child (SIGKILL) if it still runs when the test process exits. */
export function killAtExit(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
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
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd ?? REPO_ROOT,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const timeoutMs = options.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not end within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    killAtExit(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
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
