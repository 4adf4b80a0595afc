import { readiness, type Dependency } from '../ops/health.ts';
import { scrape, type Metrics } from '../ops/metrics.ts';
import { route, type Route } from './route.ts';

// What operators and load balancers ask over HTTP: /healthz (the process answers), /readyz (the
// store and the directory answer, else 503 naming which failed), /metrics (Prometheus).

export function healthRoutes(dependencies: Dependency[]): Route[] {
  return [
    route({
      method: 'get',
      path: '/healthz',
      handle(ctx) {
        ctx.body = { status: 'ok' };
      },
    }),
    route({
      method: 'get',
      path: '/readyz',
      async handle(ctx) {
        const { ready, checks, errors } = await readiness(dependencies);
        for (const [dependency, err] of Object.entries(errors)) ctx.state.log.warn({ dependency, err }, 'not ready');
        ctx.status = ready ? 200 : 503;
        ctx.body = { status: ready ? 'ready' : 'not ready', checks };
      },
    }),
  ];
}

/** /metrics on the main port (unless metrics.listen gives it a listener of its own). */
export function metricsRoutes(metrics: Metrics): Route[] {
  return [
    route({
      method: 'get',
      path: '/metrics',
      async handle(ctx) {
        const answer = await scrape(metrics, ctx.get('authorization') || undefined);
        ctx.status = answer.status;
        ctx.set(answer.headers);
        ctx.body = answer.body;
      },
    }),
  ];
}
