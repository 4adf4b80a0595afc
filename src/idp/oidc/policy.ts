import {
  interactionPolicy,
  type Grant,
  type GrantConstructor,
  type InteractionResults,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import type { AppRef } from '../../authn/contract.ts';
import type { Json } from '../../store/contract.ts';
import type { ClientRegistry, FrontEndSignIn } from './deps.ts';
import { accountsCheckedInRequest, latchContexts } from './deps.ts';
import { constraintsFrom, interactionResult, latchSessionOf, oidcRefusal } from './request.ts';

// When oidc-provider must hand the browser to Latch, and what it may decide alone.
//
// Latch's IdP session (src/idp/session.ts) is the only session: oidc-provider's own session cookie
// never answers an authorization request by itself. Before oidc-provider looks at its session,
// sessionSignIn asks FrontEndSignIn whether Latch's session answers the request (SAML and OIDC
// share it); when it does, the code is issued in that same response. Otherwise prompt=none ends
// with the OIDC error, and any other request goes through the interaction route to the prompt.

/** The fields of ctx.oidc read here (oidc-provider's context is untyped). */
interface OidcView {
  route: string;
  params: Record<string, unknown>;
  prompts: Set<string>;
  result?: InteractionResults;
  client: { clientId: string };
  session: {
    uid: string;
    accountId?: string;
    loginAccount(details: { accountId: string; loginTs?: number; amr?: string[]; acr?: string }): void;
    grantIdFor(clientId: string): string | undefined;
    sidFor(clientId: string, value?: string): string | undefined;
  };
  requestParamOIDCScopes: Set<string>;
  requestParamClaims: Set<string>;
  provider: { Grant: GrantConstructor };
}

const view = (ctx: KoaContextWithOIDC) => ctx.oidc as unknown as OidcView;

export function loginPolicy(clients: ClientRegistry) {
  const policy = interactionPolicy.base();
  const login = policy.get('login')!;
  login.checks.remove('no_session');
  login.checks.add(
    new interactionPolicy.Check('latch_sign_in', 'the user signs in with Latch', 'login_required', (ctx) => {
      const oidc = view(ctx);
      // Answered by sessionSignIn, or resumed after Latch's sign-in: oidc-provider's session now holds that login.
      return !oidc.result?.login;
    }),
    0,
  );
  const consent = policy.get('consent')!;
  const native = consent.checks.get('native_client_prompt');
  if (native) {
    consent.checks.remove('native_client_prompt');
    // Native apps are asked for consent every time, unless they are the organisation's own.
    consent.checks.add(
      new interactionPolicy.Check(
        'native_client_prompt',
        'native clients require End-User interaction',
        'interaction_required',
        async (ctx) =>
          clients.isFirstParty(view(ctx).client.clientId)
            ? false
            : (native as unknown as { check: (c: KoaContextWithOIDC) => boolean }).check(ctx),
      ),
      0,
    );
  }
  return policy;
}

/**
 * Single sign-on before any interaction: asks Latch whether its session answers this request
 * (constraints and the client's policy), without a prompt. When it does, the login goes into
 * oidc-provider's session and the code comes back in this same response; when it does not,
 * prompt=none fails with the OIDC error and other requests go on to the interaction. Runs as the
 * validator of an internal parameter because that is the hook oidc-provider calls on the
 * authorization endpoint before it loads the account and grant.
 */
export function sessionSignIn(signIn: FrontEndSignIn, clients: ClientRegistry) {
  return async (ctx: KoaContextWithOIDC): Promise<void> => {
    const oidc = view(ctx);
    if (oidc.route !== 'authorization') return;
    const passive = oidc.prompts.has('none');
    const request = {
      app: clients.appRef(oidc.client.clientId),
      constraints: { ...constraintsFrom(oidc.params), passive: true },
      continuation: { returnPath: '/', data: null },
    };
    const outcome = await signIn.start(latchContexts.get(ctx.req) ?? ctx, request);
    if (!outcome || outcome.kind === 'failed') {
      if (!passive) return;
      const failure = outcome?.kind === 'failed' ? outcome.failure : 'login-required';
      throw oidcRefusal(failure);
    }
    const result = interactionResult(outcome, oidc.params);
    const login = result.login!;
    // Another user's oidc-provider session carries their grants: the interaction sorts that out
    // (oidc-provider ends that session first).
    if (oidc.session.accountId && oidc.session.accountId !== login.accountId) {
      if (passive) throw oidcRefusal('login-required');
      return;
    }
    oidc.session.loginAccount({ accountId: login.accountId, loginTs: login.ts, amr: login.amr, acr: login.acr });
    // The session's account was re-checked just now: oidc-provider's findAccount takes it (account.ts).
    accountsCheckedInRequest.set(ctx.req, outcome.result.user);
    // As if resumed from an interaction: the login checks pass, and a consent interaction that
    // follows keeps this login in its last submission.
    oidc.result = result;
  };
}

/** Where a client's use of a Latch session is recorded, for logout from either side. */
export interface SessionApps {
  recordApp(sid: string, app: AppRef, data?: Json): Promise<void>;
}

/**
 * Ties the client's part of oidc-provider's session to the Latch session that signed the user in:
 * its `sid` (in ID tokens and logout tokens) is Latch's session id, the handle SAML service
 * providers get as SessionIndex; and Latch's session records which oidc-provider session holds
 * the client's grant, so that signing out of Latch (from any front end) ends it.
 */
async function bindToLatchSession(oidc: OidcView, clients: ClientRegistry, sessions: SessionApps): Promise<void> {
  const latchSid = latchSessionOf(oidc.result);
  const clientId = oidc.client.clientId;
  if (!latchSid || oidc.session.sidFor(clientId) === latchSid) return;
  oidc.session.sidFor(clientId, latchSid);
  await sessions.recordApp(latchSid, clients.appRef(clientId), { opSession: oidc.session.uid });
}

/**
 * First-party clients are granted what they ask for without a consent page, unless the request
 * says prompt=consent. Others keep their earlier grant and are asked for anything new.
 */
export function grantLoader(clients: ClientRegistry, sessions: SessionApps, grantTtlSeconds: number) {
  return async (ctx: KoaContextWithOIDC): Promise<Grant | undefined> => {
    const oidc = view(ctx);
    const clientId = oidc.client.clientId;
    await bindToLatchSession(oidc, clients, sessions);
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
