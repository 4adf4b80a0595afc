import { LatchError } from '../util/errors.ts';
import type { CsrfTokens } from './csrf.ts';
import type { Ctx, Middleware } from './context.ts';
import { dispatcher } from './dispatch.ts';
import { readForm, readJsonText } from './form.ts';

// Each endpoint's whole chain in one declaration, as node-oidc-provider keeps one table per
// endpoint: method and path, the metrics label, how the body is read and how large it may be,
// who may call, and the CSRF check of a form. The chain runs in this order:
//   label → caller (auth) → body → signature over the body (signedBy) → CSRF → handle
// and a refusal thrown anywhere in it may be answered the protocol's way (`refusals`) before
// src/http/errors.ts answers it.

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type Form = Record<string, string>;

/** Returned by an auth check that has answered already (a redirect to sign in): the chain stops. */
export const ANSWERED = Symbol('answered');
export type Answered = typeof ANSWERED;

/** How an endpoint reads its body. */
export interface BodyReader<B> {
  read(ctx: Ctx): Promise<B>;
}

/** An application/x-www-form-urlencoded form of at most `limitBytes`. */
export const form = (limitBytes: number): BodyReader<Form> => ({ read: (ctx) => readForm(ctx, limitBytes) });

/** A JSON body of at most `limitBytes`, as text: a signature may cover it byte for byte. */
export const jsonText = (limitBytes: number): BodyReader<string> => ({ read: (ctx) => readJsonText(ctx, limitBytes) });

export interface CsrfCheck<C> {
  tokens: CsrfTokens;
  /** The purpose the form's token was issued for; undefined when there is nothing to protect. */
  purpose(caller: C, form: Form, params: Record<string, string>): string | undefined;
  /** What a forged or stale token gets: throw a LatchError, or answer (a redirect back). */
  refuse(ctx: Ctx, caller: C): void;
}

export interface RouteRequest<C, B> {
  caller: C;
  body: B;
  params: Record<string, string>;
}

export interface RouteSpec<C = undefined, B = undefined> {
  method: Method | readonly Method[];
  path: string;
  /** The metrics label (latch_http_request_duration_seconds{route}); the path when absent. */
  label?: string;
  /** No body is read when absent. */
  body?: BodyReader<B>;
  /** Who is calling, checked before the body is read; a refusal throws a LatchError. */
  auth?(ctx: Ctx): Promise<C | Answered>;
  /** A caller that signs its requests (the Latch Authenticator), checked over the body as read ('' without one). */
  signedBy?(ctx: Ctx, body: string): Promise<C>;
  /** Needs `body: form(…)`: the token is the form's `csrf` field. */
  csrf?: CsrfCheck<C>;
  /** A JSON API: its errors are answered in JSON, whatever the Accept header asks for. */
  json?: boolean;
  /** Answers a refusal the protocol's own way (a SAML status Response); false leaves it to the error handler. */
  refusals?(ctx: Ctx, error: LatchError): Promise<boolean>;
  handle(ctx: Ctx, request: RouteRequest<C, B>): Promise<void> | void;
}

/** A declared endpoint, ready to mount. */
export interface Route {
  methods: readonly Method[];
  path: string;
  run(ctx: Ctx, params: Record<string, string>): Promise<void>;
}

export function route<C = undefined, B = undefined>(spec: RouteSpec<C, B>): Route {
  return compose(spec);
}

/** One middleware for a table of routes (dispatch.ts): the request's route runs, and no other. */
export function routes(table: readonly Route[]): Middleware {
  return dispatcher(table);
}

function compose(spec: RouteSpec<unknown, unknown>): Route {
  const label = spec.label ?? spec.path;
  const methods = typeof spec.method === 'string' ? [spec.method] : spec.method;
  return {
    methods,
    path: spec.path,
    async run(ctx, params) {
      ctx.state.route = label;
      if (spec.json) ctx.state.jsonErrors = true;
      try {
        await chain(spec, ctx, params);
      } catch (err) {
        if (!(err instanceof LatchError && spec.refusals && (await spec.refusals(ctx, err)))) throw err;
      }
    },
  };
}

async function chain(spec: RouteSpec<unknown, unknown>, ctx: Ctx, params: Record<string, string>): Promise<void> {
  let caller: unknown;
  if (spec.auth) {
    caller = await spec.auth(ctx);
    if (caller === ANSWERED) return;
  }
  const body = spec.body ? await spec.body.read(ctx) : undefined;
  if (spec.signedBy) caller = await spec.signedBy(ctx, typeof body === 'string' ? body : '');
  if (spec.csrf && !csrfHolds(spec.csrf, caller, body, params)) return spec.csrf.refuse(ctx, caller);
  await spec.handle(ctx, { caller, body, params });
}

function csrfHolds(check: CsrfCheck<unknown>, caller: unknown, body: unknown, params: Record<string, string>): boolean {
  const posted: Form = typeof body === 'object' && body !== null ? (body as Form) : {};
  const purpose = check.purpose(caller, posted, params);
  return purpose === undefined || check.tokens.verify(purpose, posted.csrf);
}

// Declare these checks as constants before the table: TypeScript does not infer a route's caller
// from a generic call written inside the declaration.

/** An auth check: the caller `find` gives, or else a redirect to `to` (a page that needs someone signed in). */
export function orRedirect<C>(
  find: (ctx: Ctx) => Promise<C | undefined>,
  to: string,
): (ctx: Ctx) => Promise<C | Answered> {
  return async (ctx) => {
    const caller = await find(ctx);
    if (caller !== undefined) return caller;
    ctx.redirect(to);
    return ANSWERED;
  };
}

/** The refusal of an account page's form posted without a session: sign in, then come back. */
export function signInFirst(path: string): () => LatchError {
  return () =>
    new LatchError({
      status: 401,
      code: 'login_required',
      publicMessage: 'Sign in first.',
      hint: 'Go to your account page and sign in, then come back here.',
      detail: `no session on ${path}`,
    });
}

/** An auth check: the caller `find` gives, or else the refusal. */
export function orRefuse<C>(
  find: (ctx: Ctx) => Promise<C | undefined>,
  refusal: () => LatchError,
): (ctx: Ctx) => Promise<C> {
  return async (ctx) => {
    const caller = await find(ctx);
    if (caller === undefined) throw refusal();
    return caller;
  };
}
