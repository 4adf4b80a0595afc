import { z } from 'zod';
import type { AuthLog } from '../../authn/auth-log.ts';
import type { Push, PushDevice } from '../../methods/push/push.ts';
import { requestIdIn } from '../../methods/push/step-common.ts';
import type { Ctx } from '../../http/context.ts';
import { jsonText, route, type Route } from '../../http/route.ts';
import { LatchError } from '../../util/errors.ts';
import { API, HEADERS } from '../../methods/push/protocol.ts';
import type { SignInService } from '../signin/service.ts';

// The Latch Authenticator's API (activation, long-poll for pushes, signed decisions, Web Push
// registration) and the endpoint a sign-in page long-polls while the user approves on the phone.
// Every device call is signed by the device key (src/authn/push/signature.ts); answers are JSON.

export interface PushApiDeps {
  push: Push;
  authLog: AuthLog;
  /** Whether a sign-in belongs to the browser that waits on it. */
  signIn: SignInService;
  baseUrl: string;
  maxBodyBytes: number;
}

const b64url = z.string().regex(/^[A-Za-z0-9_-]+$/);
const activationBody = z.strictObject({
  token: z.string().min(20).max(100),
  publicKey: z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: b64url.length(43), y: b64url.length(43) }),
  name: z.string().trim().min(1).max(60),
  platform: z.string().trim().min(1).max(30),
});
const decisionBody = z.strictObject({
  answer: z.enum(['approve', 'deny', 'fraud']),
  code: z.string().max(12).regex(/^\d*$/),
  userVerified: z.boolean(),
  signature: b64url.max(100),
});
const webPushBody = z.strictObject({
  // Checked in full (https, a known push service, public addresses) by push.webPushEndpoints.
  endpoint: z.string().min(1).max(2000),
  keys: z.object({ p256dh: b64url.max(200), auth: b64url.max(100) }),
});

const refused = (status: number, code: string, publicMessage: string, detail: string) =>
  new LatchError({ status, code, publicMessage, detail });

export function pushApiRoutes(deps: PushApiDeps): Route[] {
  const { push } = deps;

  /** The device that signed this request, or a 401 that tells the authenticator to re-activate. */
  async function signedDevice(ctx: Ctx, body: string): Promise<PushDevice> {
    const header = (name: string) => ctx.get(name) || undefined;
    const auth = await push.deviceAuth.check(
      ctx.method,
      ctx.url,
      {
        device: header(HEADERS.device),
        timestamp: header(HEADERS.timestamp),
        nonce: header(HEADERS.nonce),
        signature: header(HEADERS.signature),
      },
      body,
    );
    if (!auth.ok) {
      const gone = auth.reason.startsWith('unknown device');
      throw refused(
        401,
        gone ? 'unknown_device' : 'bad_signature',
        gone
          ? 'This authenticator is no longer activated for your account. Activate it again from your account page.'
          : 'The request was not signed correctly by this authenticator.',
        auth.reason,
      );
    }
    return auth.device;
  }
  /** What every call of the Latch Authenticator has: signed by its device key, answered in JSON. */
  const fromDevice = { signedBy: signedDevice, json: true };
  const body = jsonText(deps.maxBodyBytes);

  return [
    route({
      method: 'post',
      path: API.activate,
      body,
      json: true,
      async handle(ctx, { body: text }) {
        const { token, ...device } = parse(activationBody, text);
        const activated = await push.activations.activate(token, device, deps.baseUrl);
        if (!activated.ok) {
          throw {
            'unknown-link': refused(
              404,
              'unknown_activation',
              'This activation link was already used or has expired. Get a new one from your account page.',
              'unknown, used or expired activation token',
            ),
            'bad-key': refused(
              400,
              'bad_key',
              'The authenticator sent a key Latch cannot use.',
              'public key is not a P-256 point',
            ),
            'has-factors': refused(
              403,
              'activation_superseded',
              'This activation link no longer works because your account now has a second factor. Sign in with it, then activate this phone from your account page.',
              'link from a password-only session, and the user has a factor now',
            ),
          }[activated.reason];
        }
        await deps.authLog.record({
          event: 'push-activate',
          result: 'success',
          reason: `activated ${activated.device.name} (${activated.device.platform})${activated.replaced ? `, replacing ${activated.replaced.name}` : ''}`,
          user: activated.device.username,
          userId: activated.device.userId,
          ip: ctx.state.clientIp,
          userAgent: (ctx.get('user-agent') || 'unknown').slice(0, 300),
        });
        ctx.body = activated.result;
      },
    }),
    route({
      method: 'get',
      path: API.requests,
      ...fromDevice,
      async handle(ctx, { caller: device }) {
        const wait = Math.min(Number(ctx.query.wait) || 0, push.config.longPollTimeout / 1000) * 1000;
        const pending =
          wait > 0
            ? await push.requests.waitForPending(device.id, wait, abortOnClose(ctx))
            : await push.requests.pendingFor(device.id);
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { user: device.username, device: device.name, pending: pending ? [pending] : [] };
      },
    }),
    route({
      method: 'post',
      path: '/push/api/requests/:id/decision',
      body,
      ...fromDevice,
      async handle(ctx, { caller: device, body: text, params }) {
        const decided = await push.requests.decide(device, params.id ?? '', parse(decisionBody, text));
        if (!decided.ok) throw decided.error;
        ctx.body = { state: decided.state, message: decided.message };
      },
    }),
    route({
      method: 'get',
      path: '/push/api/web-push-key',
      json: true,
      handle(ctx) {
        if (!push.vapid) throw WEB_PUSH_DISABLED();
        ctx.body = { publicKey: push.vapid.publicKey };
      },
    }),
    route({
      method: 'post',
      path: API.webPush,
      body,
      ...fromDevice,
      async handle(ctx, { caller: device, body: text }) {
        if (!push.vapid) throw WEB_PUSH_DISABLED();
        const subscription = parse(webPushBody, text);
        // The endpoint is where Latch will post: only a public push service, never inside the network.
        const checked = await push.webPushEndpoints.check(subscription.endpoint);
        if (!checked.ok)
          throw refused(400, 'invalid_endpoint', checked.message, `device ${device.id}: ${checked.reason}`);
        await push.devices.setWebPush(device.id, subscription);
        ctx.body = { ok: true };
      },
    }),
    // The sign-in page waits here while the user answers on the phone (any node: the decision
    // arrives through the store's publish/subscribe).
    route({
      method: 'get',
      path: '/login/push-wait',
      json: true,
      async handle(ctx) {
        const owned = await deps.signIn.owned(ctx);
        if (!owned.ok)
          throw refused(
            404,
            'unknown_transaction',
            'This sign-in has ended or belongs to another browser.',
            `push-wait for an ${owned.reason} transaction`,
          );
        const id = requestIdIn(owned.tx.stepData);
        ctx.set('Cache-Control', 'no-store');
        if (!id) {
          ctx.body = { state: 'none' };
          return;
        }
        const decided = await push.requests.waitForDecision(id, push.config.longPollTimeout, abortOnClose(ctx));
        const state = !decided
          ? 'pending'
          : decided.state === 'pending'
            ? 'expired'
            : decided.state === 'used'
              ? 'approved'
              : decided.state;
        ctx.body = { state };
      },
    }),
  ];
}

const WEB_PUSH_DISABLED = () =>
  refused(404, 'web_push_disabled', 'Web Push is turned off on this Latch.', 'push.webPush.enabled is false');

function parse<T>(schema: z.ZodType<T>, text: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw refused(400, 'bad_request', 'The request body is not JSON.', 'invalid JSON');
  }
  const result = schema.safeParse(json);
  if (!result.success)
    throw refused(
      400,
      'bad_request',
      'The request is not what Latch expects.',
      result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  return result.data;
}

/** Ends a long-poll early when the client goes away. */
function abortOnClose(ctx: Ctx): AbortSignal {
  const controller = new AbortController();
  ctx.req.once('close', () => controller.abort());
  return controller.signal;
}
