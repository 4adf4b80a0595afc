import type { ParameterizedContext, Next } from 'koa';
import type { Logger } from 'pino';

// What every request carries through Latch's middleware.
export interface LatchState {
  requestId: string;
  log: Logger;
  /** The real client address: the socket's, or X-Forwarded-For's when the socket is a trusted proxy. */
  clientIp: string;
  /** The route pattern, for metrics labels. */
  route?: string;
  /** A JSON API's request: errors are answered in JSON whatever the Accept header asks for. */
  jsonErrors?: boolean;
}

export type Ctx = ParameterizedContext<LatchState>;
export type Middleware = (ctx: Ctx, next: Next) => Promise<void>;
