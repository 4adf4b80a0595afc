import type { Ctx } from '../../http/context.ts';
import { route, type Route } from '../../http/route.ts';
import type { LatchError } from '../../util/errors.ts';
import { encodeBson, type BsonDocument } from './bson.ts';
import { signedCall, type ApiCall, type CallerDeps } from './caller.ts';
import { ApiFailure, failureBody } from './failure.ts';
import type { AuthApi } from './service.ts';
import type { AuthStatus } from './second-factor.ts';

// The legacy API of duo_unix 1.x (Debian 12 packages login_duo and pam_duo 1.11.3):
//   POST /rest/v1/preauth.bson  user=… → {result: auth, prompt: <menu>, factors: {1: push1, default: push1}}
//                                        or {result: allow|deny|enroll, status: <message>}
//   POST /rest/v1/auth.bson     user=…&factor=auto&auto=<push1 or a passcode>&async=1&pushinfo=…
//   GET  /rest/v1/status.bson   txid=… → {status: <message>} while waiting, then {result, status}
// answered in BSON, the same sign-in as /auth/v2 underneath. Its requests are signed without a
// date (v1), so a captured one stays valid: served only to integrations made with
// --allow-legacy-v1, and nothing here is protected against replays (identical logins are
// identical requests). Pushes stay bounded by push.sendLimit; passcodes stay single-use.

export interface LegacyDeps extends CallerDeps {
  authApi: AuthApi;
}

function bson(ctx: Ctx, document: BsonDocument): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'application/bson';
  ctx.body = encodeBson(document);
}

async function refuse(ctx: Ctx, error: LatchError): Promise<boolean> {
  ctx.state.log.warn({ code: error.code, detail: error.detail }, 'legacy auth api request refused');
  ctx.status = error.status;
  const { code, message, message_detail } = failureBody(error);
  bson(ctx, { stat: 'FAIL', code, message: message_detail ? `${message}: ${message_detail}` : message });
  return true;
}

/** The v1 call as a v2 one: "user" is "username", "auto" is login_duo's answer to the menu. */
function asV2(call: ApiCall): ApiCall {
  const params = new Map(call.params);
  const user = params.get('user');
  params.delete('user');
  if (user !== undefined) params.set('username', user);
  if (params.get('factor') === 'auto' && params.has('auto')) {
    params.set('factor', 'prompt');
    params.set('prompt', params.get('auto')!);
    params.delete('auto');
  }
  params.set('text_prompt', '1');
  return { ...call, params };
}

const statusDocument = (status: AuthStatus): BsonDocument =>
  status.result === 'waiting' ? { status: status.status_msg } : { result: status.result, status: status.status_msg };

export function legacyRoutes(deps: LegacyDeps): Route[] {
  const signed = signedCall(deps, true);
  const endpoint = (
    method: 'get' | 'post',
    name: string,
    handle: (ctx: Ctx, call: ApiCall) => Promise<BsonDocument>,
  ): Route =>
    route({
      method,
      path: `/rest/v1/${name}.bson`,
      refusals: refuse,
      body: signed,
      async handle(ctx, { body: call }) {
        bson(ctx, { stat: 'OK', response: await handle(ctx, asV2(call)) });
      },
    });
  return [
    endpoint('post', 'preauth', async (ctx, call) => {
      const answer = await deps.authApi.preauth(ctx, call);
      if (answer.result !== 'auth') return { result: answer.result, status: answer.status_msg };
      if (!answer.prompt) throw new ApiFailure(50001, 'Internal server error', 'no prompt for a text_prompt preauth');
      return { result: 'auth', prompt: answer.prompt.text, factors: answer.prompt.factors };
    }),
    endpoint('post', 'auth', async (ctx, call) => {
      const answer = await deps.authApi.auth(ctx, call);
      return 'txid' in answer ? { txid: answer.txid } : statusDocument(answer);
    }),
    endpoint('get', 'status', async (ctx, call) => statusDocument(await deps.authApi.authStatus(ctx, call))),
  ];
}
