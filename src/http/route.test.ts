import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'mocha';
import Koa from 'koa';
import pino from 'pino';
import { LatchError } from '../util/errors.ts';
import type { LatchState } from './context.ts';
import { CsrfTokens } from './csrf.ts';
import { errorHandler } from './errors.ts';
import { ANSWERED, form, jsonText, orRedirect, route, routes, type Route } from './route.ts';

// The route helper's chain (label, caller, body and its limit, signature, CSRF, protocol refusals)
// and the error handler's answers, over HTTP against a small Koa app.

const csrf = new CsrfTokens(Buffer.alloc(32, 7));
const labels: string[] = [];
let base: string;
let close: () => void;

/** The x-user header names the caller; without one, the browser is sent to sign in. */
const signedIn = orRedirect(async (ctx) => ctx.get('x-user') || undefined, '/sign-in');

const table: Route[] = [
  route({
    method: 'get',
    path: '/items/:id',
    label: '/items',
    handle: (ctx, { params }) => void (ctx.body = { id: params.id }),
  }),
  route({
    method: 'get',
    path: '/mine',
    auth: signedIn,
    handle: (ctx, { caller }) => void (ctx.body = { user: caller }),
  }),
  route({
    method: 'post',
    path: '/change',
    auth: async (ctx) => ctx.get('x-user') || ANSWERED,
    body: form(64),
    csrf: {
      tokens: csrf,
      purpose: (user) => `change:${user}`,
      refuse: (): never => {
        throw new LatchError({
          status: 403,
          code: 'csrf',
          publicMessage: 'This page was out of date.',
          links: [{ href: '/mine', label: 'Back' }],
        });
      },
    },
    handle: (ctx, { caller, body }) => void (ctx.body = { user: caller, name: body.name }),
  }),
  route({
    method: 'post',
    path: '/signed',
    body: jsonText(64),
    signedBy: async (ctx, text) => {
      if (ctx.get('x-signature') !== `sig:${text}`)
        throw new LatchError({ status: 401, code: 'bad_signature', publicMessage: 'Not signed.' });
      return 'device-1';
    },
    json: true,
    handle: (ctx, { caller, body }) => void (ctx.body = { device: caller, body: JSON.parse(body) as unknown }),
  }),
  route({
    method: 'get',
    path: '/protocol',
    refusals: async (ctx, error) => {
      if (error.code !== 'answerable') return false;
      ctx.body = `answered ${error.code}`;
      return true;
    },
    handle: (ctx) => {
      throw new LatchError({
        status: 400,
        code: ctx.query.kind === 'answerable' ? 'answerable' : 'page',
        publicMessage: 'Refused.',
      });
    },
  }),
  route({ method: 'post', path: '/items/:id', handle: (ctx) => void (ctx.body = { posted: true }) }),
  // Declared before the catch-all below it: the first route declared for a path takes it.
  route({ method: 'get', path: '/api/v2/ping', handle: (ctx) => void (ctx.body = 'pong') }),
  route({
    method: ['get', 'post'],
    path: '/api/v2{/*other}',
    handle: (ctx, { params }) => void (ctx.body = { other: params.other ?? null }),
  }),
  route({ method: 'get', path: '/:lang/docs', handle: (ctx, { params }) => void (ctx.body = { lang: params.lang }) }),
  route({
    method: 'get',
    path: '/broken',
    handle: (ctx) => {
      if (ctx.query.kind === 'hidden')
        throw new LatchError({
          status: 502,
          code: 'directory_down',
          publicMessage: 'The directory is down.',
          detail: 'ldap://dc1 timed out',
        });
      throw new Error('secret internal detail');
    },
  }),
];

before(async () => {
  const app = new Koa<LatchState>();
  app.use(async (ctx, next) => {
    ctx.state.requestId = 'REQ123';
    ctx.state.log = pino({ level: 'silent' });
    try {
      await next();
    } finally {
      labels.push(ctx.state.route ?? 'none');
    }
  });
  app.use(errorHandler());
  app.use(routes(table));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
after(() => close());

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { headers, redirect: 'manual' });
const post = (path: string, body: string, headers: Record<string, string>) =>
  fetch(`${base}${path}`, { method: 'POST', body, headers, redirect: 'manual' });
const formType = { 'content-type': 'application/x-www-form-urlencoded' };

it('the metrics label is the declared one, and the handler gets the path parameters', async () => {
  labels.length = 0;
  assert.deepEqual(await (await get('/items/42')).json(), { id: '42' });
  await get('/mine', { 'x-user': 'alice' });
  assert.deepEqual(labels, ['/items', '/mine']);
});

it('an auth check that answers stops the chain; one that finds the caller hands it on', async () => {
  const away = await get('/mine');
  assert.equal(away.status, 302);
  assert.equal(away.headers.get('location'), '/sign-in');
  assert.deepEqual(await (await get('/mine', { 'x-user': 'alice' })).json(), { user: 'alice' });
});

it("a form with the token issued for its caller passes; a forged or another caller's token is refused", async () => {
  const token = csrf.issue('change:alice');
  const ok = await post('/change', `name=Al&csrf=${token}`, { ...formType, 'x-user': 'alice' });
  assert.deepEqual(await ok.json(), { user: 'alice', name: 'Al' });
  for (const [user, csrfToken] of [
    ['alice', 'forged'],
    ['bob', token],
  ] as const) {
    const refused = await post('/change', `name=Al&csrf=${csrfToken}`, {
      ...formType,
      'x-user': user,
      accept: 'text/html',
    });
    assert.equal(refused.status, 403);
    const page = await refused.text();
    assert.match(page, /This page was out of date\./);
    assert.match(page, /<a href="\/mine">Back<\/a>/);
    assert.match(page, /REQ123/);
  }
});

it('a body over its limit gets 413, one of another type 415, both before the handler', async () => {
  const big = await post('/change', `name=${'a'.repeat(200)}`, {
    ...formType,
    'x-user': 'alice',
    accept: 'application/json',
  });
  assert.equal(big.status, 413);
  assert.equal((await big.json()).error_description, 'The form was too large.');
  const json = await post('/change', '{}', {
    'content-type': 'application/json',
    'x-user': 'alice',
    accept: 'application/json',
  });
  assert.equal(json.status, 415);
});

it('a signed caller is checked over the body as read; a JSON API answers errors in JSON whatever it accepts', async () => {
  const body = '{"a":1}';
  const ok = await post('/signed', body, { 'content-type': 'application/json', 'x-signature': `sig:${body}` });
  assert.deepEqual(await ok.json(), { device: 'device-1', body: { a: 1 } });
  const bad = await post('/signed', body, {
    'content-type': 'application/json',
    'x-signature': 'sig:{}',
    accept: 'text/html',
  });
  assert.equal(bad.status, 401);
  assert.deepEqual(await bad.json(), {
    error: 'bad_signature',
    error_description: 'Not signed.',
    request_id: 'REQ123',
  });
});

it('a protocol answers the refusals it can; the others go to the error page', async () => {
  assert.equal(await (await get('/protocol?kind=answerable')).text(), 'answered answerable');
  const page = await get('/protocol?kind=page', { accept: 'application/json' });
  assert.equal(page.status, 400);
  assert.equal((await page.json()).error, 'page');
});

it('an unexposed error, or anything not a LatchError, shows a generic message and the reference, never its detail', async () => {
  for (const path of ['/broken', '/broken?kind=hidden']) {
    const json = await get(path, { accept: 'application/json' });
    assert.deepEqual(await json.json(), {
      error: 'server_error',
      error_description: 'Something went wrong on our side.',
      request_id: 'REQ123',
    });
    const html = await (await get(path)).text();
    assert.match(html, /Something went wrong on our side\./);
    assert.match(html, /give them this reference: REQ123/);
    assert.doesNotMatch(html, /secret internal detail|directory|dc1|at .*\.ts:\d+/);
  }
});

it('an unknown path gets the not-found page', async () => {
  const res = await get('/nowhere');
  assert.equal(res.status, 404);
  assert.match(await res.text(), /There is no page at this address\./);
});

it('a path matches as @koa/router matched it: any case, an optional trailing slash, decoded parameters, HEAD for GET', async () => {
  assert.deepEqual(await (await get('/ITEMS/a%20b/')).json(), { id: 'a b' });
  assert.deepEqual(await (await post('/items/7', '', {})).json(), { posted: true });
  const head = await fetch(`${base}/items/1`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
});

it('the first route declared for a path takes it, whatever its first segment; a catch-all takes the rest', async () => {
  assert.equal(await (await get('/api/v2/ping')).text(), 'pong');
  assert.deepEqual(await (await get('/api/v2/x/y')).json(), { other: 'x/y' });
  assert.deepEqual(await (await get('/api/v2')).json(), { other: null });
  assert.deepEqual(await (await get('/en/docs')).json(), { lang: 'en' });
  assert.deepEqual(await (await get('/items/docs')).json(), { id: 'docs' }, '/items/:id is declared first');
});

it('another method gets 405 naming the allowed ones, OPTIONS lists them, an unknown method 501', async () => {
  const put = await fetch(`${base}/items/1`, { method: 'PUT', headers: { accept: 'application/json' } });
  assert.equal(put.status, 405);
  assert.equal(put.headers.get('allow'), 'HEAD, GET, POST');
  assert.equal(
    (await put.json()).error_description,
    'This address does not accept this method; it accepts HEAD, GET, POST.',
  );
  const options = await fetch(`${base}/items/1`, { method: 'OPTIONS' });
  assert.equal(options.status, 200);
  assert.equal(options.headers.get('allow'), 'HEAD, GET, POST');
  const unknown = await fetch(`${base}/items/1`, { method: 'PROPFIND' });
  assert.equal(unknown.status, 501);
  assert.equal(unknown.headers.get('allow'), 'HEAD, GET, POST');
  const elsewhere = await fetch(`${base}/no/such/page`, { method: 'PUT' });
  assert.equal(elsewhere.status, 404);
});
