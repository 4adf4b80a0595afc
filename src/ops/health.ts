import Router from '@koa/router';
import type { LatchState } from '../http/context.ts';

// /healthz: the process answers. /readyz: it can serve sign-ins, i.e. the store and the
// directory answer (a load balancer should send no users to a node that fails it). /metrics is
// in ./metrics.ts.

export interface Dependency {
  name: string;
  check(): Promise<void>;
}

const TIMEOUT_MS = 2000;

function withTimeout(check: Promise<void>): Promise<void> {
  return Promise.race([check, new Promise<void>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref())]);
}

export function healthRoutes(dependencies: Dependency[]): Router<LatchState> {
  const router = new Router<LatchState>();
  router.get('/healthz', (ctx) => {
    ctx.state.route = '/healthz';
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.state.route = '/readyz';
    const results = await Promise.all(
      dependencies.map(async (dep) => {
        try {
          await withTimeout(dep.check());
          return [dep.name, 'ok'] as const;
        } catch (err) {
          ctx.state.log.warn({ dependency: dep.name, err: (err as Error).message }, 'not ready');
          return [dep.name, 'unavailable'] as const;
        }
      }),
    );
    const ready = results.every(([, state]) => state === 'ok');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) };
  });
  return router;
}
