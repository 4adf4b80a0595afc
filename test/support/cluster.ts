import fs from 'node:fs';
import path from 'node:path';
import { runLatch } from './commands.ts';
import { freePort } from './free-port.ts';
import { startHaproxy, type Haproxy } from './haproxy.ts';
import { startTestLatch, type LatchProcess, type TestUser } from './latch.ts';
import { scratchDir } from './temp.ts';

// A Latch cluster on loopback, as docs/cluster.md sets one up: one master key file, one shared
// store (PostgreSQL or Redis, started by the caller), one shared user file, `nodes` Latch
// processes (`latch serve` from dist/) and HAProxy in front. Nodes can be killed (SIGKILL) and
// started again on the same port and data dir, also with a shifted clock (libfaketime).

export interface ClusterNode {
  name: string;
  port: number;
  /** Where the node itself answers (bypassing HAProxy). */
  url: string;
  dataDir: string;
  latch: LatchProcess | undefined;
}

export interface Cluster {
  /** HAProxy's address: the public base URL of every node. */
  url: string;
  nodes: ClusterNode[];
  haproxy: Haproxy;
  /** The environment of `npx latch …` commands on this cluster's configuration. */
  env: NodeJS.ProcessEnv;
  kill(node: ClusterNode): Promise<void>;
  /** Starts the node again; `clockOffset` (e.g. "-20s") shifts its wall clock with libfaketime. */
  start(node: ClusterNode, options?: { clockOffset?: string }): Promise<void>;
  latch(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  nodes: number;
  /** store.* of every node. */
  store: Record<string, unknown>;
  users: TestUser[];
  /** More configuration for every node. */
  config?: Record<string, unknown>;
}

const HOST = 'localhost'; // WebAuthn needs a host name as RP ID

/** libfaketime from Debian's `libfaketime` package (its path has the machine's multiarch triplet). */
export function libfaketime(): string {
  const lib = fs
    .readdirSync('/usr/lib')
    .map((dir) => path.join('/usr/lib', dir, 'faketime', 'libfaketime.so.1'))
    .find((file) => fs.existsSync(file));
  if (!lib) throw new Error('libfaketime is missing: apt-get install libfaketime (scripts/install-test-deps.sh does)');
  return lib;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = scratchDir('latch-cluster-');
  const masterKeyFile = path.join(dir, 'master.key');
  const usersFile = path.join(dir, 'users.yaml');
  const haproxyPort = await freePort();
  const url = `http://${HOST}:${haproxyPort}`;
  const config = {
    ...options.config,
    store: options.store,
    keys: { masterKeyFile, refreshInterval: '2s', ...(options.config?.keys as object | undefined) },
    directory: { type: 'local', local: { file: usersFile } },
    server: { trustedProxies: ['127.0.0.1'] },
  };
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < options.nodes; i++) {
    const port = await freePort();
    nodes.push({
      name: `node${i + 1}`,
      port,
      url: `http://${HOST}:${port}`,
      dataDir: path.join(dir, `node${i + 1}`),
      latch: undefined,
    });
  }
  const env = { PATH: process.env.PATH ?? '' };
  const init = await runLatch(['keys', 'init-master', masterKeyFile], { env });
  if (init.code !== 0) throw new Error(`latch keys init-master failed: ${init.stderr}`);

  const start = async (node: ClusterNode, startOptions: { clockOffset?: string; users?: TestUser[] } = {}) => {
    const shift: Record<string, string> = startOptions.clockOffset
      ? { LD_PRELOAD: libfaketime(), FAKETIME: startOptions.clockOffset, DONT_FAKE_MONOTONIC: '1' }
      : {};
    node.latch = await startTestLatch({
      run: 'process',
      host: HOST,
      port: node.port,
      baseUrl: url,
      dataDir: node.dataDir,
      config,
      env: shift,
      ...(startOptions.users ? { users: startOptions.users } : {}),
    });
  };
  // The first node writes the user file and creates the keys; the others start together.
  await start(nodes[0]!, { users: options.users });
  await Promise.all(nodes.slice(1).map((node) => start(node)));
  const haproxy = await startHaproxy(
    nodes.map((n) => ({ name: n.name, port: n.port })),
    { host: HOST, port: haproxyPort },
  );
  const commandEnv = nodes[0]!.latch!.env;
  return {
    url,
    nodes,
    haproxy,
    env: commandEnv,
    async kill(node) {
      await node.latch?.kill();
      node.latch = undefined;
    },
    start: (node, startOptions) => start(node, startOptions),
    async latch(args) {
      const result = await runLatch(args, { env: commandEnv });
      if (result.code !== 0) throw new Error(`latch ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
      return result.stdout;
    },
    async stop() {
      await haproxy.stop();
      await Promise.all(nodes.map((node) => node.latch?.stop()));
    },
  };
}
