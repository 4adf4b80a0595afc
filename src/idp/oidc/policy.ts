import { errors, interactionPolicy, type Grant, type GrantConstructor, type KoaContextWithOIDC } from 'oidc-provider';
import type { SignInFailure } from '../../authn/contract.ts';
import type { ClientRegistry, FrontEndSignIn } from './deps.ts';
import { latchContexts } from './deps.ts';
import { constraintsFrom, interactionResult } from './request.ts';

// When oidc-provider must hand the browser to Latch, and what it may decide alone.
//
// Latch's IdP session (src/idp/session.ts) is the only session: oidc-provider's own session cookie
// never answers an authorization request by itself. Every interactive request goes through the
// interaction route, where FrontEndSignIn.start gives single sign-on at once from a Latch session
// (SAML and OIDC share it) or runs the prompt. prompt=none cannot reach an interaction, so it is
// answered before the interaction checks (passiveSignIn below).

/** The fields of ctx.oidc read here (oidc-provider's context is untyped). */
interface OidcView {
  route: string;
  params: Record<string, unknown>;
  prompts: Set<string>;
  result?: { login?: unknown; consent?: unknown };
  client: { clientId: string };
  session: { accountId?: string; loginAccount(details: { accountId: string; loginTs?: number; amr?: string[]; acr?: string }): void; grantIdFor(clientId: string): string | undefined };
  requestParamOIDCScopes: Set<string>;
  requestParamClaims: Set<string>;
  provider: { Grant: GrantConstructor };
  [passiveDone]?: boolean;
}

const passiveDone = Symbol('latch passive sign-in');
const view = (ctx: KoaContextWithOIDC) => ctx.oidc as unknown as OidcView;

const FAILURE_ERRORS: Record<SignInFailure, new (description?: string) => Error> = {
  'login-required': errors.LoginRequired,
  'level-unavailable': errors.UnmetAuthenticationRequirements,
  'access-denied': errors.AccessDenied,
  cancelled: errors.AccessDenied,
};

export function loginPolicy(clients: ClientRegistry) {
  const policy = interactionPolicy.base();
  const login = policy.get('login')!;
  login.checks.remove('no_session');
  login.checks.add(
    new interactionPolicy.Check('latch_sign_in', 'the user signs in with Latch', 'login_required', (ctx) => {
      const oidc = view(ctx);
      // Resumed after Latch's sign-in, or answered by passiveSignIn: oidc-provider's session now holds that login.
      return !(oidc.result?.login || oidc[passiveDone]);
    }),
    0,
  );
  const consent = policy.get('consent')!;
  const native = consent.checks.get('native_client_prompt');
  if (native) {
    consent.checks.remove('native_client_prompt');
    // Native apps are asked for consent every time, unless they are the organisation's own.
    consent.checks.add(
      new interactionPolicy.Check('native_client_prompt', 'native clients require End-User interaction', 'interaction_required', async (ctx) =>
        clients.isFirstParty(view(ctx).client.clientId) ? false : (native as unknown as { check: (c: KoaContextWithOIDC) => boolean }).check(ctx),
      ),
      0,
    );
  }
  return policy;
}

/**
 * prompt=none: asks Latch for single sign-on without a prompt, before oidc-provider looks at its
 * session. Runs as the validator of an internal parameter because that is the hook oidc-provider
 * calls on the authorization endpoint before loading the account and grant.
 */
export function passiveSignIn(signIn: FrontEndSignIn, clients: ClientRegistry) {
  return async (ctx: KoaContextWithOIDC): Promise<void> => {
    const oidc = view(ctx);
    if (oidc.route !== 'authorization' || !oidc.prompts.has('none')) return;
    const clientId = oidc.client.clientId;
    const request = {
      app: clients.appRef(clientId),
      constraints: { ...constraintsFrom(oidc.params), passive: true },
      continuation: { returnPath: '/', data: null },
    };
    const outcome = await signIn.start(latchContexts.get(ctx.req) ?? ctx, request);
    if (!outcome || outcome.kind === 'failed') {
      const failure = outcome?.kind === 'failed' ? outcome.failure : 'login-required';
      throw new FAILURE_ERRORS[failure]();
    }
    const { login } = interactionResult(outcome, oidc.params);
    // Another user's oidc-provider session would carry their grants: a prompt sorts that out.
    if (!login || (oidc.session.accountId && oidc.session.accountId !== login.accountId)) throw new errors.LoginRequired();
    oidc.session.loginAccount({ accountId: login.accountId, loginTs: login.ts, amr: login.amr, acr: login.acr });
    oidc[passiveDone] = true;
  };
}

/**
 * First-party clients are granted what they ask for without a consent page, unless the request
 * says prompt=consent. Others keep their earlier grant and are asked for anything new.
 */
export function grantLoader(clients: ClientRegistry, grantTtlSeconds: number) {
  return async (ctx: KoaContextWithOIDC): Promise<Grant | undefined> => {
    const oidc = view(ctx);
    const clientId = oidc.client.clientId;
    const consent = oidc.result?.consent as { grantId?: string } | undefined;
    const grantId = consent?.grantId ?? oidc.session.grantIdFor(clientId);
    let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    if (!clients.isFirstParty(clientId) || oidc.prompts.has('consent') || !oidc.session.accountId) return grant;
    const scopes = [...oidc.requestParamOIDCScopes];
    const claims = [...oidc.requestParamClaims];
    // Nothing new asked for: the stored grant stands (no write on every single sign-on).
    if (grant && covers(grant, scopes, claims)) return grant;
    grant ??= new oidc.provider.Grant({ accountId: oidc.session.accountId, clientId });
    grant.addOIDCScope(scopes.join(' '));
    if (claims.length > 0) grant.addOIDCClaims(claims);
    await grant.save(grantTtlSeconds);
    return grant;
  };
}

function covers(grant: Grant, scopes: string[], claims: string[]): boolean {
  const granted = new Set(grant.getOIDCScope().split(' '));
  const grantedClaims = new Set(grant.getOIDCClaims());
  return scopes.every((s) => granted.has(s)) && claims.every((c) => grantedClaims.has(c));
}
