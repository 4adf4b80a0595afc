import { Registry, Counter, Histogram, collectDefaultMetrics } from 'prom-client';

// Prometheus metrics, one registry per app so tests and several apps in one process don't collide.
export interface Metrics {
  registry: Registry;
  signIns: Counter<'result' | 'method'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

export function createMetrics(): Metrics {
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
  };
}
