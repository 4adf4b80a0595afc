import Koa from 'koa';
import type { LatchState } from './http/context.ts';
import { errorHandler } from './http/errors.ts';
import { requestContext } from './http/request-context.ts';
import { securityHeaders } from './http/security-headers.ts';
import { accountRoutes } from './account/routes.ts';
import { createAdmin } from './admin/index.ts';
import { authenticatorAppRoutes } from './idp/device-api/authenticator-app.ts';
import { pushApiRoutes } from './idp/device-api/routes.ts';
import { promptRoutes } from './idp/signin/prompt.ts';
import { samlRoutes } from './idp/saml/routes.ts';
import { createSloHandler } from './idp/saml/slo.ts';
import { healthRoutes, metricsRoutes } from './http/ops-routes.ts';
import { route, routes } from './http/route.ts';
import type { Services } from './services.ts';
import { storeUnreachable } from './store/index.ts';
import { staticFile } from './ui/static.ts';

// Composes the Koa app from the parts; nothing else. Each front end contributes its routes.

export function buildApp(services: Services): Koa<LatchState> {
  const { config, log, metrics } = services;
  const app = new Koa<LatchState>();
  const https = config.server.baseUrl.startsWith('https:');
  // Whoever ends an IdP session tells the other front ends: OIDC clients first (back channel),
  // then SAML service providers (front channel, which takes the browser).
  services.signOut.set('oidc', (ctx, session) => services.oidc.signOut(ctx, session));

  const statics = route({
    method: 'get',
    path: '/static/:file',
    label: '/static',
    handle(ctx, { params }) {
      const file = staticFile(params.file ?? '');
      if (!file) return void (ctx.status = 404);
      ctx.type = file.type;
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = file.body;
    },
  });

  // Every Latch endpoint, each declared with its chain (src/http/route.ts).
  const table = [
    ...healthRoutes([
      { name: 'store', check: () => services.store.ping() },
      { name: 'directory', check: () => services.directory.ping() },
    ]),
    // With metrics.listen, /metrics is served there only (main.ts).
    ...(config.metrics.listen ? [] : metricsRoutes(metrics)),
    statics,
    ...promptRoutes({ ...services, maxBodyBytes: config.server.maxBodyBytes }),
    ...services.oidc.routes,
    ...accountRoutes({
      ...services,
      appName: config.applications.account?.name ?? 'Latch account',
      baseUrl: config.server.baseUrl,
      maxBodyBytes: config.server.maxBodyBytes,
    }),
    ...pushApiRoutes({ ...services, baseUrl: config.server.baseUrl, maxBodyBytes: config.server.maxBodyBytes }),
    ...authenticatorAppRoutes(),
    // The operators' console and its API (admin.enabled).
    ...createAdmin(services).routes,
    ...services.authApi.routes,
  ];
  if (config.saml.enabled) {
    const slo = createSloHandler(services.saml, services.sessions, services.cookies, services.signOut, services.csrf);
    services.signOut.set('saml', (ctx, session, { returnTo }) => slo.propagate(ctx, session, returnTo));
    table.push(
      ...samlRoutes({
        idp: services.saml,
        signIn: services.signIn,
        sessions: services.sessions,
        cookies: services.cookies,
        csrf: services.csrf,
        slo,
        maxBodyBytes: config.server.maxBodyBytes,
      }),
    );
  }

  app.use(requestContext(log, metrics, config.server.trustedProxies, https));
  app.use(errorHandler({ unreachable: storeUnreachable }));
  app.use(securityHeaders(https));
  // oidc-provider reads its own request bodies: it comes before anything that could parse them.
  app.use(services.oidc.middleware);
  app.use(routes(table));
  return app;
}
