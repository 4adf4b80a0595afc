import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import YAML from 'yaml';
import { deepMerge, loadConfig } from '../../src/config/load.ts';
import type { LatchConfig } from '../../src/config/schema.ts';
import { hashPassword } from '../../src/directory/password-hash.ts';
import { startLatch } from '../../src/main.ts';
import type { ServiceOptions, Services } from '../../src/services.ts';
import { cleanEnv, killAtExit, LATCH_BIN, REPO_ROOT } from './commands.ts';
import { freePort } from './free-port.ts';
import { scratchDir } from './temp.ts';

// The one way tests start Latch: a fresh data dir, a free port on 127.0.0.1, test users in the
// local users file, and the test's configuration merged over config/default.yaml as an
// operator's file is.
//
//   const latch = await startTestLatch({ users: [ALICE], config: { policy: {...} } });
//   latch.services.authLog ...            // in this process (src/main.ts startLatch): reach inside
//   await latch.stop();
//
//   const latch = await startTestLatch({ run: 'process' });   // the `latch serve` command
//   await addUser(latch.env, 'alice', {...});                 // the CLI, on the same config
//   latch.authEvents(); await latch.kill();                   // its JSON log; SIGKILL as in a crash

export interface TestUser {
  username: string;
  password: string;
  /** `id-<username>` unless given. */
  id?: string;
  displayName?: string;
  email?: string;
  groups?: string[];
  disabled?: boolean;
}

export interface LatchOptions {
  /** 'in-process' (the default) runs src/main.ts here; 'process' runs `node bin/latch.js serve`. */
  run?: 'in-process' | 'process';
  /** Written to the local users file before Latch starts. */
  users?: TestUser[];
  /** Merged over the test defaults below and config/default.yaml. */
  config?: Record<string, unknown>;
  /** The base URL's host: 127.0.0.1 unless WebAuthn needs a name, or a SAML SP on 127.0.0.1 must be another site. */
  host?: string;
  /** A base URL other than where Latch listens (a TLS-terminating proxy's). */
  baseUrl?: string;
  port?: number;
  /** Reuse a data dir (after a kill, or to prepare users first); by default a new one. */
  dataDir?: string;
  /** More environment variables for the child process (run: 'process'). */
  env?: Record<string, string>;
  /** What tests may replace in the services (in-process). */
  services?: ServiceOptions;
}

interface CommonLatch {
  /** Where the test reaches Latch: http(s)://HOST:PORT, also its base URL unless options.baseUrl. */
  url: string;
  port: number;
  dataDir: string;
  config: LatchConfig;
  /** Rewrites the users file and waits until the directory has read it (it looks at most once a second). */
  setUsers(users: TestUser[]): Promise<void>;
}

export interface InProcessLatch extends CommonLatch {
  services: Services;
  /** Stored WebAuthn credentials of a user. */
  credentialsOf(userId: string): ReturnType<Services['webauthn']['ceremonies']['credentials']['list']>;
  /** Reasons in the authentication log, newest first. */
  authReasons(): Promise<string[]>;
  stop(): Promise<void>;
}

export type LogLine = Record<string, unknown> & { msg?: string; auth?: Record<string, unknown> };

export interface LatchProcess extends CommonLatch {
  pid: number;
  /** The environment the process runs with (LATCH_CONFIG included); reuse it for CLI commands. */
  env: NodeJS.ProcessEnv;
  /** Parsed JSON log lines written to stdout so far. */
  logs(): LogLine[];
  authEvents(): Record<string, unknown>[];
  /** The first auth event that matches, waiting for it (log lines reach the test a little later than the page). */
  authEvent(match: (event: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stderr(): string;
  /** SIGTERM and wait; resolves with the exit code (null when ended by a signal). */
  stop(): Promise<number | null>;
  /** SIGKILL and wait, as in a crash (the data dir stays). */
  kill(): Promise<void>;
}

export function startTestLatch(options: LatchOptions & { run: 'process' }): Promise<LatchProcess>;
export function startTestLatch(options?: LatchOptions & { run?: 'in-process' }): Promise<InProcessLatch>;
export async function startTestLatch(options: LatchOptions = {}): Promise<InProcessLatch | LatchProcess> {
  const prepared = await prepare(options);
  return options.run === 'process'
    ? inChildProcess(prepared, options.env ?? {})
    : inThisProcess(prepared, options.services ?? {});
}

interface Prepared {
  url: string;
  port: number;
  dataDir: string;
  configFile: string;
  config: LatchConfig;
  setUsers(users: TestUser[]): Promise<void>;
}

/** Writes the config file (and users), and reads it back as Latch will. */
async function prepare(options: LatchOptions): Promise<Prepared> {
  const dir = scratchDir('latch-test-');
  const dataDir = options.dataDir ?? path.join(dir, 'data');
  const port = options.port ?? (await freePort());
  const scheme = hasTls(options.config) ? 'https' : 'http';
  const url = `${scheme}://${options.host ?? '127.0.0.1'}:${port}`;
  const defaults = {
    dataDir,
    // One process, as before server.workers: tests of the workers ask for more (2 cores, shared).
    server: { port, baseUrl: options.baseUrl ?? url, workers: 1 },
    // Tests wait for no failure delay unless they test it.
    signIn: { failureDelay: '1ms' },
    // Not the repository's metadata/ folder.
    saml: { metadataDir: path.join(dir, 'metadata') },
  };
  const configFile = path.join(dir, 'latch.yaml');
  writeFileSync(configFile, YAML.stringify(deepMerge(defaults, options.config ?? {})));
  const config = loadConfig({ file: configFile, env: {}, cwd: dir });
  const usersFile = config.directory.local.file!;
  if (options.users) await writeUsers(usersFile, options.users);
  return {
    url,
    port,
    dataDir,
    configFile,
    config,
    async setUsers(users) {
      await writeUsers(usersFile, users);
      // The directory looks at the file at most once a second.
      await new Promise((resolve) => setTimeout(resolve, 1100));
    },
  };
}

function hasTls(config: Record<string, unknown> | undefined): boolean {
  const server = config?.server;
  return typeof server === 'object' && server !== null && 'tls' in server;
}

async function writeUsers(file: string, users: TestUser[]): Promise<void> {
  const records: Record<string, unknown> = {};
  for (const u of users) {
    records[u.username] = {
      id: u.id ?? `id-${u.username}`,
      ...(u.displayName ? { displayName: u.displayName } : {}),
      ...(u.email ? { email: u.email } : {}),
      groups: u.groups ?? [],
      password: await hashPassword(u.password),
      ...(u.disabled ? { disabled: true } : {}),
    };
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, YAML.stringify({ users: records }), { mode: 0o600 });
}

async function inThisProcess(prepared: Prepared, serviceOptions: ServiceOptions): Promise<InProcessLatch> {
  const { setUsers, url, port, dataDir, config } = prepared;
  const running = await startLatch(config, pino({ level: process.env.LATCH_TEST_LOG ?? 'silent' }), serviceOptions);
  const { services } = running;
  return {
    url,
    port,
    dataDir,
    config,
    services,
    setUsers,
    credentialsOf: (userId) => services.webauthn.ceremonies.credentials.list(userId),
    authReasons: async () => (await services.authLog.query({ limit: 200 })).map((e) => String(e.data.reason)),
    stop: () => running.stop(),
  };
}

async function inChildProcess(prepared: Prepared, extraEnv: Record<string, string>): Promise<LatchProcess> {
  const { setUsers, url, port, dataDir, config } = prepared;
  const env = cleanEnv({ LATCH_CONFIG: prepared.configFile, LATCH_LOG_LEVEL: 'info', ...extraEnv });
  const child = spawn(process.execPath, [LATCH_BIN, 'serve'], {
    env,
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killAtExit(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const end = async (signal: NodeJS.Signals) => {
    if (alive()) child.kill(signal);
    return exited;
  };
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
    config,
    pid: child.pid!,
    env,
    setUsers,
    logs,
    authEvents,
    async authEvent(match, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = authEvents().find(match);
        if (found) return found;
        if (Date.now() > until)
          throw new Error(`no matching auth event in ${timeoutMs} ms; last: ${JSON.stringify(authEvents().slice(-3))}`);
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
