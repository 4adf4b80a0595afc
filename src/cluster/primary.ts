import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:http';
import { AggregatorRegistry, type PrometheusContentType } from 'prom-client';
import type { LatchConfig } from '../config/schema.ts';
import { loadKeyRing, openLatchStore } from '../keys/index.ts';
import { loadServerSecret } from '../keys/server-secret.ts';
import type { Logger } from '../ops/logger.ts';
import { listenForMetrics, readTokenDigest } from '../ops/metrics.ts';
import { isMessage, type ClusterMessage } from './messages.ts';

// server.workers > 1: this process is the primary. It does once what must happen once (generate
// the signing keys, create the SQLite file in WAL mode and the server secret), forks the workers
// that share the listening socket (node:cluster hands connections out in turn), relays store
// publishes between them, sums their metrics, and forks a new worker when one dies. It serves no
// request itself, except metrics.listen: one listener for the whole node, where a scrape must see
// every worker (summing there is simpler and more correct than one metrics port per worker).

/** A worker could not start; `message` is what it would have printed (printed once, by the caller). */
export class WorkerStartError extends Error {}

const RESTART_DELAY_MS = 1000;

/**
 * Starts the workers; resolves when every one listens. SIGTERM or SIGINT, from the first moment
 * (a worker may already answer while another starts), stops them all and exits.
 */
export async function runPrimary(config: LatchConfig, log: Logger): Promise<void> {
  // Sums the workers' metrics (prom-client asks each over IPC) for metrics.listen and the main port.
  const aggregator = new AggregatorRegistry<PrometheusContentType>();
  const supervisor = new Supervisor(config.server.workers, log, aggregator);
  let metricsServer: Server | undefined;
  const stop = async () => {
    metricsServer?.close();
    metricsServer?.closeAllConnections();
    await supervisor.stop();
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(
      signal,
      () =>
        void stop().then(
          () => process.exit(0),
          () => process.exit(1),
        ),
    );
  }
  await prepareOnce(config);
  metricsServer = await listenForClusterMetrics(config, aggregator);
  try {
    await supervisor.start();
  } catch (err) {
    metricsServer?.close();
    throw err;
  }
  log.info({ workers: config.server.workers, pid: process.pid }, 'Latch primary: every worker is listening');
}

/**
 * What the workers would otherwise race for: the signing keys (files, or with a master key the
 * sealed records in the store), the server secret, and the SQLite file's creation (WAL mode, schema).
 */
async function prepareOnce(config: LatchConfig): Promise<void> {
  const store = await openLatchStore(config);
  try {
    const keys = await loadKeyRing(config.keys, config.server.baseUrl, store);
    await keys.close();
    await loadServerSecret(store);
  } finally {
    await store.close();
  }
}

async function listenForClusterMetrics(
  config: LatchConfig,
  aggregator: AggregatorRegistry<PrometheusContentType>,
): Promise<Server | undefined> {
  const { listen, bearerTokenFile } = config.metrics;
  if (!listen) return undefined;
  const tokenDigest = bearerTokenFile ? readTokenDigest(bearerTokenFile) : undefined;
  return listenForMetrics(
    { tokenDigest, contentType: aggregator.contentType, render: () => aggregator.clusterMetrics() },
    listen,
  );
}

class Supervisor {
  private readonly ready = new Set<number>();
  private stopping = false;
  private starting: { resolve(): void; reject(err: Error): void } | undefined;

  constructor(
    private readonly count: number,
    private readonly log: Logger,
    private readonly aggregator: AggregatorRegistry<PrometheusContentType>,
  ) {
    cluster.on('message', (worker, message: unknown) => this.onMessage(worker, message));
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal));
  }

  /** Resolves when every worker listens; rejects with the first start-up failure (the others are stopped). */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.starting = { resolve, reject };
      for (let i = 0; i < this.count; i++) cluster.fork();
    });
  }

  /** SIGTERM to every worker (each finishes its in-flight requests); resolves when all have exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            worker.once('exit', () => resolve());
            worker.process.kill('SIGTERM');
          }),
      ),
    );
  }

  private onMessage(worker: Worker, message: unknown): void {
    if (isMessage(message, 'publish')) {
      for (const each of Object.values(cluster.workers ?? {})) if (each?.isConnected()) each.send(message);
    } else if (isMessage(message, 'metrics?')) {
      const answer = (reply: ClusterMessage) => worker.isConnected() && worker.send(reply);
      this.aggregator.clusterMetrics().then(
        (body) => answer({ latch: 'metrics', id: message.id, body }),
        (err: Error) => answer({ latch: 'metrics', id: message.id, error: err.message }),
      );
    } else if (isMessage(message, 'ready')) {
      this.ready.add(worker.id);
      if (this.starting && this.ready.size === this.count) {
        this.starting.resolve();
        this.starting = undefined;
      }
    } else if (isMessage(message, 'start-failed')) {
      this.failedToStart(worker, message.message);
    }
  }

  private failedToStart(worker: Worker, message: string): void {
    if (this.starting) {
      // The first failure is the one the operator reads; the other workers would only repeat it.
      this.starting.reject(new WorkerStartError(message));
      this.starting = undefined;
      void this.stop();
      return;
    }
    if (!this.stopping)
      this.log.error({ worker: worker.id, problem: message }, 'a new worker could not start; trying again');
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    const wasReady = this.ready.delete(worker.id);
    if (this.stopping) return;
    if (this.starting && !wasReady) {
      this.failedToStart(worker, `latch: a worker exited while starting (${signal ?? `exit code ${code}`})`);
      return;
    }
    this.log.error({ worker: worker.id, pid: worker.process.pid, code, signal }, 'a worker stopped; starting another');
    setTimeout(
      () => {
        if (!this.stopping) cluster.fork();
      },
      wasReady ? 0 : RESTART_DELAY_MS,
    );
  }
}
