import { pathToRegexp } from 'path-to-regexp';
import type { Ctx, Middleware } from './context.ts';
import type { Route } from './route.ts';

// Finds a request's endpoint by its path's first segment, then among the few endpoints under it
// (in the order they were declared), instead of testing every endpoint's pattern: a request runs
// its own route's chain and nothing else's. Paths match as @koa/router matched them (path-to-regexp,
// case-insensitive, an optional trailing slash; parameters URI-decoded), and a path that no
// endpoint takes with this method is answered as its allowedMethods() did: OPTIONS lists the
// methods (Allow), another method gets 405 with Allow, a method Latch never implements 501, and
// any other path falls through to the not-found page (src/http/errors.ts).

const IMPLEMENTED = new Set(['HEAD', 'OPTIONS', 'GET', 'PUT', 'PATCH', 'POST', 'DELETE']);

interface Compiled {
  route: Route;
  /** Upper case; GET brings HEAD (listed first, as Allow has always named it). */
  methods: string[];
  regexp: RegExp;
  names: string[];
  /** The pattern's first segment in lower case; undefined when it is not a plain word (a parameter). */
  segment: string | undefined;
}

/** A plain first segment, followed by a slash, an optional group that starts with one, or the end. */
const FIRST_SEGMENT = /^\/([\w.~-]*)(?:\/|\{\/|$)/;

function compile(route: Route): Compiled {
  const { regexp, keys } = pathToRegexp(route.path, { sensitive: false, trailing: true });
  const methods: string[] = [];
  for (const method of route.methods) {
    const upper = method.toUpperCase();
    if (upper === 'GET') methods.unshift('HEAD');
    methods.push(upper);
  }
  const segment = FIRST_SEGMENT.exec(route.path)?.[1]?.toLowerCase();
  return { route, methods, regexp, names: keys.map((key) => key.name), segment };
}

function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return (end === -1 ? path.slice(1) : path.slice(1, end)).toLowerCase();
}

function params(compiled: Compiled, match: RegExpExecArray): Record<string, string> {
  const found: Record<string, string> = {};
  compiled.names.forEach((name, index) => {
    const value = match[index + 1];
    if (value) found[name] = safeDecode(value);
  });
  return found;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** One middleware for a table of routes: the route of the request's method and path runs, alone. */
export function dispatcher(table: readonly Route[]): Middleware {
  const compiled = table.map(compile);
  const anywhere = compiled.filter((c) => c.segment === undefined);
  const bySegment = new Map<string, Compiled[]>();
  // Each segment's list keeps the declaration order, with the patterns that may start anywhere in place.
  for (const c of compiled) if (c.segment !== undefined) bySegment.set(c.segment, []);
  for (const c of compiled) {
    if (c.segment !== undefined) bySegment.get(c.segment)!.push(c);
    else for (const list of bySegment.values()) list.push(c);
  }
  return async (ctx, next) => {
    const candidates = bySegment.get(firstSegment(ctx.path)) ?? anywhere;
    for (const c of candidates) {
      if (!c.methods.includes(ctx.method)) continue;
      const match = c.regexp.exec(ctx.path);
      if (match) return c.route.run(ctx, params(c, match));
    }
    await next();
    if (!ctx.status || ctx.status === 404) answerOtherMethod(ctx, candidates);
  };
}

/** No route takes this method at this path: what @koa/router's allowedMethods() answered. */
function answerOtherMethod(ctx: Ctx, candidates: Compiled[]): void {
  const allowed = new Set<string>();
  for (const c of candidates) if (c.regexp.test(ctx.path)) for (const method of c.methods) allowed.add(method);
  const allow = [...allowed].join(', ');
  if (!IMPLEMENTED.has(ctx.method)) {
    ctx.status = 501;
    ctx.set('Allow', allow);
  } else if (allowed.size > 0 && ctx.method === 'OPTIONS') {
    ctx.status = 200;
    ctx.body = '';
    ctx.set('Allow', allow);
  } else if (allowed.size > 0 && !allowed.has(ctx.method)) {
    ctx.status = 405;
    ctx.set('Allow', allow);
  }
}
