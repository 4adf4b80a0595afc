import type { Provider } from 'oidc-provider';
import type { Middleware } from '../../http/context.ts';
import { latchContexts } from './deps.ts';
import { INTERACTION_PREFIX, OIDC_PREFIX } from './provider.ts';

// Hands oidc-provider's own endpoints to it, untouched: it reads its own request bodies (Latch
// parses forms per route, never globally) and writes its own responses. Everything else, including
// Latch's interaction routes under /oidc/interaction/, goes on to Latch's routers.

export const DISCOVERY_PATH = '/.well-known/openid-configuration';

export function isProviderPath(path: string): boolean {
  if (path === DISCOVERY_PATH) return true;
  return path.startsWith(`${OIDC_PREFIX}/`) && !path.startsWith(`${INTERACTION_PREFIX}/`);
}

export function mountProvider(provider: Provider): Middleware {
  const handle = provider.callback();
  return async (ctx, next) => {
    if (!isProviderPath(ctx.path)) return next();
    ctx.state.route = ctx.path === DISCOVERY_PATH ? DISCOVERY_PATH : routeLabel(ctx.path);
    latchContexts.set(ctx.req, ctx);
    ctx.respond = false;
    await handle(ctx.req, ctx.res);
  };
}

/** A bounded label for metrics: the endpoint, without ids (/oidc/auth/<uid> → /oidc/auth/:uid). */
function routeLabel(path: string): string {
  const parts = path.split('/').slice(0, 4);
  if (parts[2] === 'auth' && parts.length > 3) parts[3] = ':uid';
  return parts.join('/');
}
