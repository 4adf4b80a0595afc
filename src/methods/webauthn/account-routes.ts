import Router from '@koa/router';
import type { AccountRouteDeps, AccountSession } from '../method.ts';
import type { RegistrationMode, WebAuthnCeremonies } from './ceremonies.ts';
import { RESPONSE_FIELD, browserError } from './form.ts';
import { allowedPasswordlessKinds } from './passwordless.ts';
import type { EffectivePolicy } from '../../authn/policy.ts';
import type { Ctx, LatchState } from '../../http/context.ts';
import { readForm } from '../../http/form.ts';
import { passkeysPage } from './account-pages.ts';
import { errorPage } from '../../ui/pages.ts';

// The account page's "Passkeys and security keys": a signed-in user lists, adds, renames and
// removes their own WebAuthn credentials. Every change needs the session and a CSRF token bound
// to it; an added credential's challenge is bound to the session too.

export interface AccountWebAuthnDeps extends AccountRouteDeps {
  ceremonies: WebAuthnCeremonies;
}

const PATH = '/account/passkeys';
const ADD_MODE: RegistrationMode = { residentKey: 'preferred', userVerification: 'preferred', allowedKinds: ['platform', 'roaming'], passkey: false };
const NOT_ALLOWED = "Your organisation's sign-in policy does not allow passkeys or security keys for your account.";

/**
 * What this user may register here: any security key or this device where policy allows WebAuthn
 * as a second factor; otherwise only a passkey of a kind policy allows for passwordless sign-in.
 */
function addMode(policy: EffectivePolicy): RegistrationMode | undefined {
  if (policy.secondFactors.includes('webauthn')) return ADD_MODE;
  const kinds = allowedPasswordlessKinds(policy.passwordless);
  return kinds.length > 0 ? { residentKey: 'required', userVerification: 'required', allowedKinds: kinds, passkey: true } : undefined;
}
const NOTICES: Record<string, string> = { added: 'Added.', renamed: 'Renamed.', removed: 'Removed.' };

export function accountWebAuthnRoutes(deps: AccountWebAuthnDeps): Router<LatchState> {
  const router = new Router<LatchState>();
  const { ceremonies } = deps;
  const purpose = (session: AccountSession) => `passkeys:${session.sid}`;
  const binding = (session: AccountSession) => ({ owner: `session:${session.sid}`, purpose: 'account-add' as const, userId: session.user.id });

  const modeFor = (session: AccountSession) => addMode(deps.factorChanges.policyFor(session.user));

  async function show(ctx: Ctx, session: AccountSession, message?: string): Promise<void> {
    const mode = modeFor(session);
    const options = mode && (await ceremonies.registrationOptions(binding(session), session.user, mode));
    const notice = typeof ctx.query.done === 'string' ? NOTICES[ctx.query.done] : undefined;
    ctx.type = 'html';
    if (message) ctx.status = 400;
    ctx.body = passkeysPage({
      username: session.user.username,
      credentials: await ceremonies.credentials.list(session.user.id),
      options: options && JSON.stringify(options),
      notAllowed: mode ? undefined : NOT_ALLOWED,
      csrf: deps.csrf.issue(purpose(session)),
      message,
      notice,
    }).text;
  }

  /** The session and the posted form, or undefined after answering (not signed in, forged form). */
  async function change(ctx: Ctx): Promise<{ session: AccountSession; form: Record<string, string> } | undefined> {
    const session = await deps.session(ctx);
    const form = await readForm(ctx, deps.maxBodyBytes);
    if (session && deps.csrf.verify(purpose(session), form.csrf)) {
      if (await deps.factorChanges.mayChange(session.level, session.user.id)) return { session, form };
      ctx.state.log.warn('passkey change refused: a password-only session, and the user already has a factor');
      ctx.status = 403;
      ctx.type = 'html';
      ctx.body = errorPage({
        title: 'Nothing was changed.',
        hint: 'To change your passkeys and security keys, sign out and sign in again with your second factor.',
        links: [{ href: PATH, label: 'Passkeys and security keys' }],
      }).text;
      return undefined;
    }
    ctx.state.log.warn('passkey change refused: no session, or a stale or forged CSRF token');
    ctx.status = 403;
    ctx.type = 'html';
    ctx.body = errorPage({ title: 'Nothing was changed.', hint: 'This page was out of date or you are no longer signed in. Open your passkeys again and retry.', links: [{ href: PATH, label: 'Passkeys and security keys' }] }).text;
    return undefined;
  }

  router.get(PATH, async (ctx) => {
    ctx.state.route = PATH;
    const session = await deps.session(ctx);
    if (!session) return ctx.redirect('/account/sign-in');
    await show(ctx, session);
  });

  router.post(`${PATH}/add`, async (ctx) => {
    ctx.state.route = `${PATH}/add`;
    const posted = await change(ctx);
    if (!posted) return;
    const { session, form } = posted;
    const mode = modeFor(session);
    if (!mode) {
      ctx.state.log.warn('passkey registration refused: policy does not allow WebAuthn for this user');
      ctx.status = 403;
      ctx.type = 'html';
      ctx.body = errorPage({ title: 'Nothing was changed.', hint: NOT_ALLOWED, links: [{ href: PATH, label: 'Passkeys and security keys' }] }).text;
      return;
    }
    const error = browserError(form);
    if (error) return show(ctx, session, error === 'unsupported' ? 'This browser cannot register passkeys or security keys.' : 'Nothing was registered (it was cancelled or timed out). Try again.');
    const added = await ceremonies.register(binding(session), form[RESPONSE_FIELD], mode, { name: form.name, userAgent: ctx.get('user-agent'), username: session.user.username });
    if (!added.ok) {
      ctx.state.log.warn({ reason: added.reason }, 'passkey registration refused');
      return show(ctx, session, added.message);
    }
    ctx.redirect(`${PATH}?done=added`);
  });

  router.post(`${PATH}/rename`, async (ctx) => {
    ctx.state.route = `${PATH}/rename`;
    const posted = await change(ctx);
    if (!posted) return;
    if (!(await ceremonies.credentials.rename(posted.session.user.id, posted.form.id ?? '', posted.form.name ?? ''))) return show(ctx, posted.session, 'That passkey or security key is not yours, or no longer exists.');
    ctx.redirect(`${PATH}?done=renamed`);
  });

  router.post(`${PATH}/remove`, async (ctx) => {
    ctx.state.route = `${PATH}/remove`;
    const posted = await change(ctx);
    if (!posted) return;
    if (!(await ceremonies.credentials.remove(posted.session.user.id, posted.form.id ?? ''))) return show(ctx, posted.session, 'That passkey or security key is not yours, or no longer exists.');
    ctx.redirect(`${PATH}?done=removed`);
  });

  return router;
}
