import Router from '@koa/router';
import type { LatchState } from '../http/context.ts';

export function authenticatorAppRoutes(): Router<LatchState> {
  return new Router<LatchState>();
}
