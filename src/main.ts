import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { buildApp } from './app.ts';
import { loadConfig } from './config/load.ts';
import type { LatchConfig } from './config/schema.ts';
import { createLogger, type Logger } from './ops/logger.ts';
import { listenForMetrics } from './ops/metrics.ts';
import { createServices, type ServiceOptions, type Services } from './services.ts';

// Reads the configuration, builds the app, listens, and shuts down cleanly on SIGTERM/SIGINT:
// no new connections, in-flight requests finish (up to server.shutdownTimeout), then the store
// and directory close.

export interface RunningLatch {
  url: string;
  port: number;
  /** For tests that look inside. */
  services: Services;
  stop(): Promise<void>;
}

/**
 * One process serving the port. `options` are for tests and for a cluster worker (see
 * ServiceOptions); server.workers is the business of `latch serve` (src/cli/main.ts, src/cluster/).
 */
export async function startLatch(
  config: LatchConfig = loadConfig(),
  log: Logger = createLogger(config.log.level),
  options: ServiceOptions = {},
): Promise<RunningLatch> {
  const services = await createServices(config, log, options);
  const app = buildApp(services);
  const handler = app.callback();
  const tls = config.server.tls;
  const server = tls
    ? https.createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, handler)
    : http.createServer(handler);
  server.requestTimeout = 30_000;
  // Listening before the main port, so a node that answers /healthz also answers scrapes.
  const metricsListen = config.metrics.listen;
  // A cluster worker leaves metrics.listen to its primary, which sums every worker's metrics.
  const ownMetricsListen = options.clusterMetrics ? undefined : metricsListen;
  const metricsServer = ownMetricsListen ? await listenForMetrics(services.metrics, ownMetricsListen) : undefined;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.server.port, config.server.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = tls ? 'https' : 'http';
  const listening = {
    listen: `${scheme}://${config.server.host}:${port}`,
    baseUrl: config.server.baseUrl,
    metrics: metricsListen ? `http://${metricsListen}/metrics` : 'main port',
    store: services.store.kind,
    directory: services.directory.kind,
  };
  log.info(listening, 'Latch is listening');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      log.info('shutting down: finishing in-flight requests');
      // Long-polls (push) answer now rather than at their timeout.
      void services.push.close();
      metricsServer?.close();
      metricsServer?.closeAllConnections();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), config.server.shutdownTimeout);
      await closed;
      clearTimeout(timer);
      await services.close();
      log.info('stopped');
    })());
  return { url: `${scheme}://localhost:${port}`, port, services, stop };
}
