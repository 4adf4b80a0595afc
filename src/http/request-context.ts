import proxyaddr from 'proxy-addr';
import type { Logger } from 'pino';
import type { Metrics } from '../ops/metrics.ts';
import { randomId } from '../util/random.ts';
import type { Middleware } from './context.ts';

// Request id, client address, per-request logger, access log and latency metrics. Forwarded
// headers are believed only from configured proxies, so a client cannot fake its address to
// dodge throttling or pollute the authentication log.

export function requestContext(
  log: Logger,
  metrics: Metrics,
  trustedProxies: string[],
  secureCookies: boolean,
): Middleware {
  const trust = proxyaddr.compile(trustedProxies.length > 0 ? trustedProxies : []);
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const requestId = randomId(9);
    ctx.state.requestId = requestId;
    ctx.state.clientIp = proxyaddr(ctx.req, trust);
    ctx.state.log = log.child({ requestId });
    ctx.set('X-Request-Id', requestId);
    // Koa refuses Secure cookies on plain-http requests; behind a TLS-terminating proxy the
    // public URL is what matters.
    if (secureCookies) ctx.cookies.secure = true;
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = ctx.state.route ?? (ctx.status === 404 ? 'not-found' : 'other');
      metrics.httpDuration.observe({ method: ctx.method, route, status: String(ctx.status) }, seconds);
      ctx.state.log.info(
        {
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          ms: Math.round(seconds * 1000),
          ip: ctx.state.clientIp,
        },
        'request',
      );
    }
  };
}
