import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.ts';

// Starts a real PostgreSQL server (Debian's `postgresql`) on 127.0.0.1 for tests: initdb into a
// temp dir, then `postgres` in the foreground, so a test can SIGKILL it as a crash would. The
// server refuses to run as root, so under root (CI) it runs as the `postgres` user that Debian's
// package creates; as anyone else it runs as that user.
//
//   const primary = await startPostgres({ synchronousStandby: true });   // primary.url: postgres://latch@127.0.0.1:PORT/latch
//   const replica = await startReplica(primary);                           // streaming replica (pg_basebackup -R)
//   await primary.kill(); await replica.promote();                         // failover
//   await replica.stop(); await primary.stop();

const BIN =
  process.env.LATCH_PG_BIN ??
  firstExisting(['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin']);
const run = promisify(execFile);

export interface PostgresServer {
  /** postgres://latch@127.0.0.1:PORT/latch (trust authentication on loopback). */
  url: string;
  port: number;
  dir: string;
  /** Whether it answers queries as a primary (not in recovery). */
  isPrimary(): Promise<boolean>;
  /** Ends a replica's recovery: it becomes a primary that accepts writes. */
  promote(): Promise<void>;
  /** Fast shutdown, then the data dir is removed. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL, as in a crash (the dir stays). */
  kill(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Commits wait until a streaming replica has flushed them (synchronous_standby_names = '*'). */
  synchronousStandby?: boolean;
}

const running = new Set<ChildProcess>();
const dirs = new Set<string>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** The user the server runs as: ourselves, or `postgres` when we are root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line)
    throw new Error('running as root, the tests need the "postgres" user that Debian\'s postgresql package creates');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function ownedDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.add(dir);
  const user = serverUser();
  if (user) fs.chownSync(dir, user.uid, user.gid);
  return dir;
}

async function asServerUser(command: string, args: string[]): Promise<void> {
  const user = serverUser();
  await run(path.join(BIN, command), args, { ...(user ?? {}), env: { ...process.env, LC_ALL: 'C' } });
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const dir = ownedDir('latch-pg-');
  const data = path.join(dir, 'data');
  await asServerUser('initdb', [
    '-D',
    data,
    '-U',
    'latch',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
    '--no-instructions',
  ]);
  const port = await freePort();
  const server = await launch(dir, port, []);
  await createDatabase(port);
  // After CREATE DATABASE, which would otherwise wait for a standby that does not exist yet.
  if (options.synchronousStandby) {
    await query(port, "ALTER SYSTEM SET synchronous_standby_names = '*'");
    await query(port, 'SELECT pg_reload_conf()');
  }
  return server;
}

/** A streaming replica of `primary`, made with pg_basebackup -R (standby.signal + primary_conninfo). */
export async function startReplica(primary: PostgresServer): Promise<PostgresServer> {
  const dir = ownedDir('latch-pg-replica-');
  const data = path.join(dir, 'data');
  await asServerUser('pg_basebackup', [
    '-h',
    '127.0.0.1',
    '-p',
    String(primary.port),
    '-U',
    'latch',
    '-D',
    data,
    '-R',
    '-X',
    'stream',
    '--no-sync',
    '--checkpoint=fast',
  ]);
  const port = await freePort();
  // Not waiting for standbys of its own once promoted (the copied postgresql.auto.conf would).
  return launch(dir, port, ['-c', 'synchronous_standby_names=']);
}

async function launch(dir: string, port: number, extra: string[]): Promise<PostgresServer> {
  const data = path.join(dir, 'data');
  const user = serverUser();
  const child = spawn(
    path.join(BIN, 'postgres'),
    [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=on',
      '-c',
      'max_connections=200',
      '-c',
      'wal_level=replica',
      '-c',
      'hot_standby=on',
      ...extra,
    ],
    { ...(user ?? {}), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  const url = `postgres://latch@127.0.0.1:${port}/latch`;
  await waitForServer(port, exited, () => output);
  return {
    url,
    port,
    dir,
    isPrimary: async () => (await query(port, 'SELECT NOT pg_is_in_recovery() AS primary'))[0]?.primary === true,
    async promote() {
      await query(port, 'SELECT pg_promote(true, 30)');
    },
    async stop() {
      await end('SIGINT'); // fast shutdown
      fs.rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
    kill: () => end('SIGKILL'),
  };
}

async function query(port: number, sql: string, database = 'postgres'): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'latch', database });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

async function createDatabase(port: number): Promise<void> {
  await query(port, 'CREATE DATABASE latch');
}

async function waitForServer(port: number, exited: Promise<void>, output: () => string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`postgres exited during start:\n${output()}`);
    try {
      await query(port, 'SELECT 1');
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`postgres on port ${port} did not answer within 30 s:\n${output()}`);
}

function firstExisting(candidates: string[]): string {
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'postgres'))) ?? candidates[candidates.length - 1]!;
}
