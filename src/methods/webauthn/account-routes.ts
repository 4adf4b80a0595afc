import type { AccountRouteDeps, AccountSession } from '../method.ts';
import type { RegistrationMode, WebAuthnCeremonies } from './ceremonies.ts';
import { RESPONSE_FIELD, browserError } from './form.ts';
import { allowedPasswordlessKinds } from './passwordless.ts';
import type { EffectivePolicy } from '../../authn/policy.ts';
import type { Ctx } from '../../http/context.ts';
import { form, orRedirect, orRefuse, route, type Route } from '../../http/route.ts';
import { passkeysPage } from './account-pages.ts';
import { LatchError } from '../../util/errors.ts';

// The account page's "Passkeys and security keys": a signed-in user lists, adds, renames and
// removes their own WebAuthn credentials. Every change needs the session and a CSRF token bound
// to it; an added credential's challenge is bound to the session too.

export interface AccountWebAuthnDeps extends AccountRouteDeps {
  ceremonies: WebAuthnCeremonies;
}

const PATH = '/account/passkeys';
const ADD_MODE: RegistrationMode = {
  residentKey: 'preferred',
  userVerification: 'preferred',
  allowedKinds: ['platform', 'roaming'],
  passkey: false,
};
const NOT_ALLOWED = "Your organisation's sign-in policy does not allow passkeys or security keys for your account.";

/**
 * What this user may register here: any security key or this device where policy allows WebAuthn
 * as a second factor; otherwise only a passkey of a kind policy allows for passwordless sign-in.
 */
function addMode(policy: EffectivePolicy): RegistrationMode | undefined {
  if (policy.secondFactors.includes('webauthn')) return ADD_MODE;
  const kinds = allowedPasswordlessKinds(policy.passwordless);
  return kinds.length > 0
    ? { residentKey: 'required', userVerification: 'required', allowedKinds: kinds, passkey: true }
    : undefined;
}
const NOTICES: Record<string, string> = { added: 'Added.', renamed: 'Renamed.', removed: 'Removed.' };

const LINKS = [{ href: PATH, label: 'Passkeys and security keys' }];
const nothingChanged = (hint: string, detail: string) =>
  new LatchError({ status: 403, code: 'forbidden', publicMessage: 'Nothing was changed.', hint, detail, links: LINKS });
const STALE = () =>
  nothingChanged(
    'This page was out of date or you are no longer signed in. Open your passkeys again and retry.',
    'passkey change refused: no session, or a stale or forged CSRF token',
  );

export function accountWebAuthnRoutes(deps: AccountWebAuthnDeps): Route[] {
  const { ceremonies } = deps;
  const purpose = (session: AccountSession) => `passkeys:${session.sid}`;
  const binding = (session: AccountSession) => ({
    owner: `session:${session.sid}`,
    purpose: 'account-add' as const,
    userId: session.user.id,
  });

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

  const signedIn = orRedirect(deps.session, '/account/sign-in');
  /** Every change: the session, a form with its token, and a session strong enough to change factors. */
  const change = {
    auth: orRefuse(deps.session, STALE),
    body: form(deps.maxBodyBytes),
    csrf: {
      tokens: deps.csrf,
      purpose,
      refuse: (): never => {
        throw STALE();
      },
    },
  };
  async function checkStrongEnough(session: AccountSession): Promise<void> {
    if (await deps.factorChanges.mayChange(session.level, session.user.id)) return;
    throw nothingChanged(
      'To change your passkeys and security keys, sign out and sign in again with your second factor.',
      'passkey change refused: a password-only session, and the user already has a factor',
    );
  }

  return [
    route({
      method: 'get',
      path: PATH,
      auth: signedIn,
      handle: (ctx, { caller: session }) => show(ctx, session),
    }),
    route({
      method: 'post',
      path: `${PATH}/add`,
      ...change,
      async handle(ctx, { caller: session, body: form }) {
        await checkStrongEnough(session);
        const mode = modeFor(session);
        if (!mode)
          throw nothingChanged(
            NOT_ALLOWED,
            'passkey registration refused: policy does not allow WebAuthn for this user',
          );
        const error = browserError(form);
        if (error)
          return show(
            ctx,
            session,
            error === 'unsupported'
              ? 'This browser cannot register passkeys or security keys.'
              : 'Nothing was registered (it was cancelled or timed out). Try again.',
          );
        const added = await ceremonies.register(binding(session), form[RESPONSE_FIELD], mode, {
          name: form.name,
          userAgent: ctx.get('user-agent'),
          username: session.user.username,
          deviceId: deps.deviceId(ctx),
        });
        if (!added.ok) {
          ctx.state.log.warn({ reason: added.reason }, 'passkey registration refused');
          return show(ctx, session, added.message);
        }
        ctx.redirect(`${PATH}?done=added`);
      },
    }),
    route({
      method: 'post',
      path: `${PATH}/rename`,
      ...change,
      async handle(ctx, { caller: session, body: form }) {
        await checkStrongEnough(session);
        if (!(await ceremonies.credentials.rename(session.user.id, form.id ?? '', form.name ?? '')))
          return show(ctx, session, 'That passkey or security key is not yours, or no longer exists.');
        ctx.redirect(`${PATH}?done=renamed`);
      },
    }),
    route({
      method: 'post',
      path: `${PATH}/remove`,
      ...change,
      async handle(ctx, { caller: session, body: form }) {
        await checkStrongEnough(session);
        if (!(await ceremonies.credentials.remove(session.user.id, form.id ?? '')))
          return show(ctx, session, 'That passkey or security key is not yours, or no longer exists.');
        ctx.redirect(`${PATH}?done=removed`);
      },
    }),
  ];
}
