import type { AccountRouteDeps, AccountSession } from '../method.ts';
import type { Push } from './push.ts';
import { activationUrl } from './protocol.ts';
import type { Ctx } from '../../http/context.ts';
import { form, orRefuse, route, signInFirst, type Route } from '../../http/route.ts';
import { staleAccountForm } from '../../http/csrf.ts';
import { authenticatorPage } from './account-pages.ts';
import { qrDataUrl } from '../../ui/qr.ts';

// /account/authenticator: a signed-in user activates the Latch Authenticator (one-time link as a
// QR code) or removes it. Replacing or removing a phone that is already activated needs a session
// that used a second factor, so a stolen password alone cannot move push to the thief's phone.

const NOT_ALLOWED =
  "Your organisation's sign-in policy does not allow phone sign-in for your account, so nothing was activated.";

export interface AccountPushDeps extends AccountRouteDeps {
  push: Push;
}

export function accountPushRoutes(deps: AccountPushDeps): Route[] {
  const { push } = deps;
  const purpose = (session: AccountSession) => `push-account:${session.sid}`;
  const signedIn = orRefuse(deps.session, signInFirst('/account/authenticator'));
  /** Every change: the session and a form with its token. */
  const change = {
    auth: signedIn,
    body: form(deps.maxBodyBytes),
    csrf: {
      tokens: deps.csrf,
      purpose,
      refuse: staleAccountForm('Phone sign-in', '/account/authenticator'),
    },
  };

  const show = async (
    ctx: Ctx,
    session: AccountSession,
    extra: Omit<Parameters<typeof authenticatorPage>[0], 'csrf' | 'device' | 'canActivate'> = {},
  ) => {
    ctx.type = 'html';
    const device = await push.devices.forUser(session.user.id);
    const canActivate = deps.factorChanges.mayAdd(session.user, 'push');
    ctx.body = authenticatorPage({ device, csrf: deps.csrf.issue(purpose(session)), canActivate, ...extra }).text;
  };

  /** A password-only session may not change the phone of a user who already has a factor. */
  async function needsStrongerSession(ctx: Ctx, session: AccountSession): Promise<boolean> {
    if (await deps.factorChanges.mayChange(session.level, session.user.id)) return false;
    ctx.status = 403;
    await show(ctx, session, {
      message:
        'To change or remove your phone, sign out and sign in again with your current phone or another second factor. If you lost your phone, ask your IT help desk for an activation link.',
    });
    return true;
  }

  return [
    route({
      method: 'get',
      path: '/account/authenticator',
      auth: signedIn,
      handle: (ctx, { caller: session }) => show(ctx, session),
    }),
    route({
      method: 'post',
      path: '/account/authenticator/activate',
      ...change,
      async handle(ctx, { caller: session }) {
        if (await needsStrongerSession(ctx, session)) return;
        if (!deps.factorChanges.mayAdd(session.user, 'push')) {
          ctx.status = 403;
          await show(ctx, session, { message: NOT_ALLOWED });
          return;
        }
        const onlyWithoutFactors = session.level === 'password';
        const { token } = await push.activations.issue(session.user, `user (session ${session.level})`, {
          onlyWithoutFactors,
        });
        const url = activationUrl(deps.baseUrl, token);
        await deps.authLog.record({
          event: 'push-activation-link',
          result: 'success',
          reason: 'the user asked for an activation link on the account page',
          user: session.user.username,
          userId: session.user.id,
          ip: ctx.state.clientIp,
        });
        await show(ctx, session, {
          activation: {
            url,
            qr: await qrDataUrl(url),
            minutes: Math.round(push.config.activationLifetime / 60_000),
            appUrl: `${deps.baseUrl}/authenticator/`,
          },
        });
      },
    }),
    route({
      method: 'post',
      path: '/account/authenticator/remove',
      ...change,
      async handle(ctx, { caller: session }) {
        // Otherwise removing, then activating (allowed when there is no phone), would move push too.
        if (await needsStrongerSession(ctx, session)) return;
        const removed = await push.devices.remove(session.user.id);
        if (removed)
          await deps.authLog.record({
            event: 'push-device-removed',
            result: 'success',
            reason: `the user removed ${removed.name}`,
            user: session.user.username,
            userId: session.user.id,
            ip: ctx.state.clientIp,
          });
        await show(ctx, session, { message: removed ? `${removed.name} no longer signs you in.` : undefined });
      },
    }),
  ];
}
