import type { Ctx } from '../../http/context.ts';
import { route, type Method, type Route } from '../../http/route.ts';
import type { LatchError } from '../../util/errors.ts';
import { signedCall, type ApiCall, type CallerDeps } from './caller.ts';
import { enroll, enrollStatus, type EnrollDeps } from './enroll.ts';
import { ApiFailure, failureBody } from './failure.ts';
import { acceptOnce } from './replay.ts';
import type { AuthApi } from './service.ts';
import type { Store } from '../../store/contract.ts';

// The Auth API v2 endpoints under /auth/v2/, as the open-source clients (duo_client_python,
// pam_duo, login_duo, the logon clients) call them. Every answer is {"stat":"OK","response":…};
// every refusal, whatever refused it, is {"stat":"FAIL","code":…,"message":…} with the status
// the code begins with, and Retry-After on 429.

export interface AuthApiRouteDeps extends CallerDeps, EnrollDeps {
  authApi: AuthApi;
  store: Store;
}

function ok(ctx: Ctx, response: unknown): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { stat: 'OK', response };
}

/** Answers any refusal of these endpoints in the Auth API's own form. */
async function refuse(ctx: Ctx, error: LatchError): Promise<boolean> {
  if (error.status >= 500) ctx.state.log.error({ err: error }, 'auth api request failed');
  else ctx.state.log.warn({ code: error.code, detail: error.detail }, 'auth api request refused');
  ctx.status = error.status;
  if (error instanceof ApiFailure && error.retryAfterSeconds !== undefined)
    ctx.set('Retry-After', String(error.retryAfterSeconds));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = failureBody(error);
  return true;
}

const now = () => Math.floor(Date.now() / 1000);

export function authApiRoutes(deps: AuthApiRouteDeps): Route[] {
  const signed = signedCall(deps);
  const endpoint = (method: Method, name: string, handle: (ctx: Ctx, call: ApiCall) => Promise<unknown>): Route =>
    route({
      method: ['get', 'post'],
      path: `/auth/v2/${name}`,
      json: true,
      refusals: refuse,
      body: signed,
      async handle(ctx, { body: call }) {
        // Checked after the signature, which covers the method: a stranger learns nothing here.
        if (ctx.method.toLowerCase() !== method)
          throw new ApiFailure(40501, 'Method not allowed', `use ${method.toUpperCase()} for /auth/v2/${name}`);
        ok(ctx, await handle(ctx, call));
      },
    });
  return [
    route({
      method: 'get',
      path: '/auth/v2/ping',
      json: true,
      refusals: refuse,
      handle: (ctx) => ok(ctx, { time: now() }),
    }),
    endpoint('get', 'check', async () => ({ time: now() })),
    endpoint('get', 'logo', async () => {
      throw new ApiFailure(40401, 'Resource not found', 'no logo is configured for this integration');
    }),
    endpoint('post', 'preauth', (ctx, call) => deps.authApi.preauth(ctx, call)),
    endpoint('post', 'auth', (ctx, call) => deps.authApi.auth(ctx, call)),
    endpoint('get', 'auth_status', (ctx, call) => deps.authApi.authStatus(ctx, call)),
    endpoint('post', 'enroll', async (_ctx, call) => {
      await acceptOnce(deps.store, call, deps.clockSkewMs);
      return enroll(deps, call);
    }),
    endpoint('post', 'enroll_status', (_ctx, call) => enrollStatus(deps, call)),
    // Any other path under /auth/v2 (with a trailing slash, or deeper) answers in Duo's envelope too.
    route({
      method: ['get', 'post'],
      path: '/auth/v2{/*other}',
      json: true,
      refusals: refuse,
      handle() {
        throw new ApiFailure(
          40401,
          'Resource not found',
          'Latch serves ping, check, logo, preauth, auth, auth_status, enroll and enroll_status',
        );
      },
    }),
  ];
}
