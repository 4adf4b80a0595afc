import type { AuthLog } from '../../../authn/auth-log.ts';
import type { SignInFlow } from '../../../authn/flow.ts';
import type { PolicyResolver } from '../../../authn/policy.ts';
import type { AccountCheck } from '../../../directory/account-check.ts';
import type { Directory } from '../../../directory/contract.ts';
import type { Ctx } from '../../../http/context.ts';
import { form, route, type Route } from '../../../http/route.ts';
import type { Json, Store } from '../../../store/contract.ts';
import type { LatchError } from '../../../util/errors.ts';
import { randomId } from '../../../util/random.ts';
import type { BrowserCookies } from '../../signin/cookies.ts';
import type { SignInService } from '../../signin/service.ts';
import { ApiFailure } from '../failure.ts';
import { appIdOf, type Integrations } from '../integrations.ts';
import { verifyAssertion } from './assertion.ts';
import { authorizeRequest, backTo, type AuthorizeRequest } from './authorize.ts';
import { issueCode, takeCode } from './codes.ts';
import { signHs512, verifyHs512 } from './jwt.ts';

// The Universal Prompt (Duo Web SDK v4) for web applications that keep their own password:
//   POST /oauth/v1/health_check  client assertion → {"stat":"OK"}
//   GET  /oauth/v1/authorize     signed request naming the user → Latch's prompt, second factor only
//   GET  /oauth/v1/continue      (the prompt comes back here) → redirect_uri?duo_code=…&state=…
//   POST /oauth/v1/token         code + client assertion → ID token (HS512) with the auth result
// The application identified the user, so the sign-in starts at the second factor (the user's
// factors, remembered devices and policy as in any sign-in) and makes no IdP session.

export interface UniversalDeps {
  integrations: Integrations;
  authLog: AuthLog;
  store: Store;
  directory: Directory;
  accounts: AccountCheck;
  flow: SignInFlow;
  policies: PolicyResolver;
  signIn: SignInService;
  cookies: BrowserCookies;
  baseUrl: string;
  clockSkewMs: number;
  maxBodyBytes: number;
}

const RETURN_PATH = '/oauth/v1/continue';
const TOKEN_LIFETIME_S = 300;

/** The answers of health_check and token, and their refusals, as the SDK reads them. */
async function refuse(ctx: Ctx, error: LatchError): Promise<boolean> {
  ctx.state.log.warn({ code: error.code, detail: error.detail }, 'universal prompt request refused');
  ctx.status = error.status;
  ctx.set('Cache-Control', 'no-store');
  const detail = error instanceof ApiFailure ? error.messageDetail : error.detail;
  ctx.body = {
    stat: 'FAIL',
    code: error instanceof ApiFailure ? error.apiCode : error.status * 100,
    message: error.publicMessage,
    message_detail: detail ?? '',
    error: 'invalid_request',
    error_description: `${error.publicMessage}: ${detail ?? ''}`,
  };
  return true;
}

export function universalPromptRoutes(deps: UniversalDeps): Route[] {
  const hostsOf = (ctx: Ctx) => [...new Set([`https://${ctx.get('host')}`, deps.baseUrl])];
  const assertionDeps = (ctx: Ctx) => ({
    ...deps,
    audiences: (path: string) => hostsOf(ctx).map((h) => `${h}${path}`),
  });

  return [
    route({
      method: 'post',
      path: '/oauth/v1/health_check',
      body: form(deps.maxBodyBytes),
      json: true,
      refusals: refuse,
      async handle(ctx, { body }) {
        await verifyAssertion(assertionDeps(ctx), body, '/oauth/v1/health_check', false);
        ctx.body = { stat: 'OK', response: { timestamp: Math.floor(Date.now() / 1000) } };
      },
    }),
    route({
      method: 'get',
      path: '/oauth/v1/authorize',
      async handle(ctx) {
        const query = Object.fromEntries(
          Object.entries(ctx.query).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])),
        );
        const integration = await deps.integrations.open(query.client_id ?? '');
        if (!integration || integration.type !== 'universal-prompt')
          throw new ApiFailure(40102, 'Unknown client_id', 'no Universal Prompt integration has this client_id');
        const verified = verifyHs512(query.request ?? '', integration.secret);
        if (!verified.ok)
          throw new ApiFailure(40103, 'The authorization request is not signed by this application', verified.reason);
        const request = authorizeRequest(verified.claims, query, hostsOf(ctx));
        const late =
          typeof verified.claims.exp !== 'number' || verified.claims.exp * 1000 + deps.clockSkewMs < Date.now();
        if (late)
          return ctx.redirect(
            backTo(request, { error: 'invalid_request', error_description: 'the authorization request expired' }),
          );
        const user = await deps.directory.findUser(request.username);
        const usable = user && !user.disabled && (await deps.accounts.check(user.id)).usable;
        const log = (result: string, reason: string) =>
          deps.authLog.record({
            event: 'authapi-authorize',
            result,
            reason,
            user: request.username,
            app: appIdOf(integration.ikey),
            ip: ctx.state.clientIp,
            userAgent: ctx.get('user-agent'),
            integration: integration.name,
            clientHost: new URL(request.redirectUri).host,
          });
        if (!user || !usable) {
          await log(
            'denied',
            user ? 'the directory no longer lets this account sign in' : 'no such user in the directory',
          );
          return ctx.redirect(
            backTo(request, { error: 'access_denied', error_description: 'this user cannot sign in' }),
          );
        }
        await log('prompt', 'the application checked the password; Latch asks for the second factor');
        const app = { id: appIdOf(integration.ikey), name: integration.name, protocol: 'authapi' as const };
        deps.policies.registerApps({ [app.id]: integration.policy });
        const data = {
          clientId: request.clientId,
          username: user.username,
          redirectUri: request.redirectUri,
          state: request.state,
          useDuoCode: request.useDuoCode,
          ...(request.nonce ? { nonce: request.nonce } : {}),
        };
        const tx = await deps.flow.beginIdentified(
          { app, constraints: {}, continuation: { returnPath: RETURN_PATH, data } },
          user,
          deps.cookies.context(ctx),
          `application ${integration.name}`,
        );
        ctx.redirect(`/login?tx=${tx.id}`);
      },
    }),
    route({
      method: 'get',
      path: RETURN_PATH,
      async handle(ctx) {
        const outcome = await deps.signIn.finish(ctx);
        if (!outcome)
          throw new ApiFailure(
            40002,
            'This sign-in is over or belongs to another browser',
            'unknown, finished or foreign transaction',
          );
        const data = requestOf(outcome.kind === 'done' ? outcome.result.continuation.data : outcome.continuation.data);
        if (outcome.kind === 'failed')
          return ctx.redirect(backTo(data, { error: 'access_denied', error_description: outcome.failure }));
        const { result } = outcome;
        // The sign-in is for the user the application named, or for nobody.
        if (result.user.username.toLowerCase() !== data.username.toLowerCase())
          return ctx.redirect(backTo(data, { error: 'access_denied', error_description: 'another user' }));
        const code = await issueCode(deps.store, {
          clientId: data.clientId,
          redirectUri: data.redirectUri,
          username: data.username,
          ...(data.nonce ? { nonce: data.nonce } : {}),
          authTime: result.authTime,
          methods: result.methods,
          amr: result.amr,
          txId: String(ctx.query.tx),
        });
        ctx.redirect(backTo(data, { code }));
      },
    }),
    route({
      method: 'post',
      path: '/oauth/v1/token',
      body: form(deps.maxBodyBytes),
      json: true,
      refusals: refuse,
      async handle(ctx, { body }) {
        if (body.grant_type !== 'authorization_code')
          throw new ApiFailure(40002, 'Invalid grant_type', 'expected authorization_code');
        if (body.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
          throw new ApiFailure(40002, 'Invalid client_assertion_type', 'expected jwt-bearer');
        const integration = await verifyAssertion(assertionDeps(ctx), body, '/oauth/v1/token', true);
        const code = await takeCode(deps.store, body.code ?? '');
        if (!code || code.clientId !== integration.ikey || code.redirectUri !== body.redirect_uri) {
          throw new ApiFailure(
            40002,
            'Invalid authorization code',
            "unknown, used or expired code, or another client's or redirect_uri's",
          );
        }
        const nowS = Math.floor(Date.now() / 1000);
        const issuer = `${hostsOf(ctx)[0]}/oauth/v1/token`;
        const factor = code.methods.includes('push')
          ? 'latch_push'
          : code.methods.length > 0
            ? code.methods.join('+')
            : 'not_required';
        const idToken = signHs512(
          {
            iss: issuer,
            aud: integration.ikey,
            sub: code.username,
            preferred_username: code.username,
            iat: nowS,
            exp: nowS + TOKEN_LIFETIME_S,
            auth_time: Math.floor(code.authTime / 1000),
            amr: code.amr,
            ...(code.nonce ? { nonce: code.nonce } : {}),
            auth_result: { result: 'allow', status: 'allow', status_msg: 'Login Successful' },
            auth_context: {
              result: 'success',
              factor,
              reason: 'user_approved',
              event_type: 'authentication',
              txid: code.txId,
              timestamp: nowS,
              isotimestamp: new Date(nowS * 1000).toISOString(),
              user: { name: code.username, key: null, groups: [] },
              application: { key: integration.ikey, name: integration.name },
            },
          },
          integration.secret,
        );
        await deps.authLog.record({
          event: 'authapi-token',
          result: 'success',
          reason: `ID token issued (${factor})`,
          user: code.username,
          app: appIdOf(integration.ikey),
          ip: ctx.state.clientIp,
          integration: integration.name,
          clientIp: ctx.state.clientIp,
          transaction: code.txId,
        });
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { id_token: idToken, access_token: randomId(), expires_in: TOKEN_LIFETIME_S, token_type: 'Bearer' };
      },
    }),
  ];
}

/** The authorize request kept in the transaction (written by /authorize above). */
function requestOf(data: Json): AuthorizeRequest & { username: string } {
  const record = data && typeof data === 'object' && !Array.isArray(data) ? data : {};
  const text = (name: string) => (typeof record[name] === 'string' ? (record[name] as string) : '');
  const nonce = text('nonce');
  return {
    clientId: text('clientId'),
    username: text('username'),
    redirectUri: text('redirectUri'),
    state: text('state'),
    useDuoCode: record.useDuoCode !== false,
    ...(nonce ? { nonce } : {}),
  };
}
