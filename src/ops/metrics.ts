import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { Registry, Counter, Histogram, collectDefaultMetrics } from 'prom-client';
import { ConfigError } from '../config/load.ts';
import { splitHostPort, type MetricsConfig } from '../config/metrics.ts';

// Prometheus metrics, one registry per app so tests and several apps in one process don't collide.
// /metrics is served on the main port, or only on `metrics.listen`; with `metrics.bearerTokenFile`
// a scraper must send that token.
/** What a scrape needs: the token to ask for, and the text to answer with. */
export interface Scrapable {
  /** SHA-256 of the bearer token a scraper must send; unset, /metrics is open. */
  tokenDigest?: Buffer;
  contentType: string;
  /** The exposition text: this registry's, or every cluster worker's summed (src/cluster/). */
  render(): Promise<string>;
}

export interface Metrics extends Scrapable {
  registry: Registry;
  signIns: Counter<'result' | 'method'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** The token from metrics.bearerTokenFile (one trailing newline ignored), as its digest. */
export function readTokenDigest(file: string): Buffer {
  let token: string;
  try {
    token = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError([`metrics.bearerTokenFile: cannot read "${file}" (${code})`]);
  }
  if (token.trim() === '') {
    throw new ConfigError([
      `metrics.bearerTokenFile: the file is empty ("${file}"); put the token scrapers send in it`,
    ]);
  }
  return sha256(token);
}

/** `render`: where the exposition text comes from when not this registry (a cluster worker asks its primary). */
export function createMetrics(config: MetricsConfig = {}, render?: () => Promise<string>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'latch_' });
  return {
    registry,
    signIns: new Counter({
      name: 'latch_sign_in_decisions_total',
      help: 'Sign-in decisions by result (success, failure, throttled, …) and method',
      labelNames: ['result', 'method'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'latch_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    tokenDigest: config.bearerTokenFile ? readTokenDigest(config.bearerTokenFile) : undefined,
    contentType: registry.contentType,
    render: render ?? (() => registry.metrics()),
  };
}

type Scrape = { status: number; headers: Record<string, string>; body: string };

/** Whether the Authorization header carries the token; digests of equal length compare in constant time. */
function authorized(metrics: Scrapable, authorization: string | undefined): boolean {
  if (!metrics.tokenDigest) return true;
  const presented = /^Bearer ([^\s]+)$/i.exec(authorization ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(sha256(presented), metrics.tokenDigest);
}

/** The answer to a scrape: the metrics, or 401 without them. */
export async function scrape(metrics: Scrapable, authorization: string | undefined): Promise<Scrape> {
  if (!authorized(metrics, authorization)) {
    const headers = { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="metrics"' };
    return { status: 401, headers, body: 'Send the metrics bearer token.\n' };
  }
  const body = await metrics.render();
  return { status: 200, headers: { 'content-type': metrics.contentType }, body };
}

/** A listener of its own (metrics.listen) that answers GET /metrics and nothing else. */
export async function listenForMetrics(metrics: Scrapable, listen: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Only /metrics is here.\n');
      return;
    }
    scrape(metrics, req.headers.authorization).then(
      (answer) => res.writeHead(answer.status, answer.headers).end(req.method === 'HEAD' ? undefined : answer.body),
      () => res.writeHead(500).end(),
    );
  });
  const { host, port } = splitHostPort(listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(new Error(`metrics.listen: cannot listen on ${listen} (${err.code ?? err.message})`));
    });
    server.listen(port, host, () => resolve());
  });
  return server;
}
