import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.ts';

// Starts a real redis-server on 127.0.0.1 for tests, with its data in a temp dir and every write
// fsync'ed to the append-only file, so a SIGKILLed server restarted on the same dir keeps it all.
//
//   const redis = await startRedis();            // redis.url = "redis://127.0.0.1:<port>"
//   ...                                           // test against redis.url
//   await redis.stop();                           // SIGTERM, wait, remove its temp dir
//
// Restart after a crash: `await redis.kill()` (SIGKILL, dir kept), then
// `await startRedis({ dir: redis.dir, port: redis.port })`. Also: `startRedis({ cluster: true })`
// (a one-node Cluster owning every slot) and `startSentinel(masterPort, name)`. Servers still
// running when the test process exits are killed.

export interface RedisServer {
  url: string;
  port: number;
  /** The data dir (append-only file lives here). */
  dir: string;
  /** Graceful stop (SIGTERM) and removal of the dir, if startRedis created it. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL, as in a crash; the dir stays so that a new server can be started on it. */
  kill(): Promise<void>;
}

export interface StartRedisOptions {
  /** Reuse a data dir (e.g. of a killed server); by default a fresh temp dir. */
  dir?: string;
  /** Listen on this port; by default a free one. */
  port?: number;
  /** Extra redis-server arguments, e.g. ['--requirepass', 'secret']. */
  args?: string[];
  /** Run as a one-node Redis Cluster owning every slot (connect with ioredis Cluster). */
  cluster?: boolean;
}

const running = new Set<ChildProcess>();
const ownedDirs = new Set<string>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of ownedDirs) fs.rmSync(dir, { recursive: true, force: true });
});

export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'latch-redis-'));
  if (ownsDir) ownedDirs.add(dir);
  const port = options.port ?? (await freePort());
  try {
    const end = await launch(port, [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--daemonize',
      'no',
      ...(options.cluster
        ? [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${port}.conf`,
            '--cluster-announce-ip',
            '127.0.0.1',
          ]
        : []),
      ...(options.args ?? []),
    ]);
    if (options.cluster) await claimAllSlots(port);
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      dir,
      async stop() {
        await end('SIGTERM');
        if (ownsDir) removeDir(dir);
      },
      kill: () => end('SIGKILL'),
    };
  } catch (err) {
    if (ownsDir) removeDir(dir);
    throw err;
  }
}

export interface SentinelOptions {
  /** Sentinels that must agree the master is down (default 1). */
  quorum?: number;
  /** How long the master must be unreachable before it counts as down (Sentinel's default: 30 s). */
  downAfterMs?: number;
  failoverTimeoutMs?: number;
}

/**
 * Starts a Sentinel on 127.0.0.1 that monitors the master at 127.0.0.1:`masterPort` under
 * `name` (quorum 1). `stop()` ends it and removes its config dir.
 */
export async function startSentinel(
  masterPort: number,
  name: string,
  options: SentinelOptions = {},
): Promise<{ port: number; stop(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latch-sentinel-'));
  ownedDirs.add(dir);
  const port = await freePort();
  const config = path.join(dir, 'sentinel.conf');
  fs.writeFileSync(
    config,
    [
      `bind 127.0.0.1`,
      `port ${port}`,
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} ${options.quorum ?? 1}`,
      ...(options.downAfterMs ? [`sentinel down-after-milliseconds ${name} ${options.downAfterMs}`] : []),
      ...(options.failoverTimeoutMs ? [`sentinel failover-timeout ${name} ${options.failoverTimeoutMs}`] : []),
    ].join('\n') + '\n',
  );
  try {
    const end = await launch(port, [config, '--sentinel']);
    return {
      port,
      async stop() {
        await end('SIGTERM');
        removeDir(dir);
      },
    };
  } catch (err) {
    removeDir(dir);
    throw err;
  }
}

/** Spawns redis-server, waits for PING, and returns how to end it. */
async function launch(port: number, args: string[]): Promise<(signal: NodeJS.Signals) => Promise<void>> {
  const child = spawn('/usr/bin/redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  try {
    await waitForPong(port, exited, () => output);
  } catch (err) {
    await end('SIGKILL');
    throw err;
  }
  return end;
}

/** Makes a fresh cluster node own all 16384 slots and waits until the cluster reports ok. */
async function claimAllSlots(port: number): Promise<void> {
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true });
  try {
    await client.connect();
    const info = () => client.call('CLUSTER', 'INFO') as Promise<string>;
    if (!(await info()).includes('cluster_slots_assigned:16384'))
      await client.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    for (let i = 0; i < 200 && !(await info()).includes('cluster_state:ok'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    client.disconnect();
  }
}

function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  ownedDirs.delete(dir);
}

/** Sends PING until the server answers (it answers -LOADING while still reading its AOF). */
async function waitForPong(port: number, exited: Promise<void>, output: () => string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`redis-server exited during start:\n${output()}`);
    if (await pong(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within 10 s:\n${output()}`);
}

function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) socket.end();
    });
    socket.on('close', () => resolve(/^(\+PONG|-NOAUTH)/.test(reply))); // NOAUTH: up, with requirepass
    socket.on('error', () => resolve(false));
  });
}
