import Router from '@koa/router';
import { readiness, type Dependency } from '../ops/health.ts';
import { scrape, type Metrics } from '../ops/metrics.ts';
import type { LatchState } from './context.ts';

// What operators and load balancers ask over HTTP: /healthz (the process answers), /readyz (the
// store and the directory answer, else 503 naming which failed), /metrics (Prometheus).

export function healthRoutes(dependencies: Dependency[]): Router<LatchState> {
  const router = new Router<LatchState>();
  router.get('/healthz', (ctx) => {
    ctx.state.route = '/healthz';
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.state.route = '/readyz';
    const { ready, checks, errors } = await readiness(dependencies);
    for (const [dependency, err] of Object.entries(errors)) ctx.state.log.warn({ dependency, err }, 'not ready');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not ready', checks };
  });
  return router;
}

/** /metrics on the main port (unless metrics.listen gives it a listener of its own). */
export function metricsRoutes(metrics: Metrics): Router<LatchState> {
  const router = new Router<LatchState>();
  router.get('/metrics', async (ctx) => {
    ctx.state.route = '/metrics';
    const answer = await scrape(metrics, ctx.get('authorization') || undefined);
    ctx.status = answer.status;
    ctx.set(answer.headers);
    ctx.body = answer.body;
  });
  return router;
}
