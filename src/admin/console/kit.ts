import type { Ctx } from '../../http/context.ts';
import type { Form, Route } from '../../http/route.ts';
import type { Html } from '../../util/html.ts';
import type { Caller } from '../operation.ts';
import type { Permission } from '../roles.ts';
import type { ConsoleFrame } from './layout.ts';

// What a group of console pages is built with (routes.ts makes it): pages that check a
// permission, forms that check CSRF and show their problems, and the operations they call.

export interface Signed {
  caller: Caller;
  frame: ConsoleFrame;
  sid: string;
}

type Params = Record<string, string>;

export interface ConsoleKit {
  page(
    path: string,
    permission: Permission,
    handle: (ctx: Ctx, signed: Signed, params: Params) => Promise<void>,
  ): Route;
  post(
    path: string,
    current: string,
    back: (params: Params) => string,
    act: (signed: Signed, form: Form, params: Params) => Promise<Html>,
  ): Route;
  run(
    op: string,
    signed: Signed,
    raw: { params?: Params; query?: Record<string, unknown>; body?: unknown },
  ): Promise<unknown>;
  show(ctx: Ctx, signed: Signed, current: string, title: string, body: Html, status?: number): void;
}
