import { errors, type InteractionDetails, type InteractionResults, type Provider } from 'oidc-provider';
import type { SignInOutcome, SignInRequest } from '../../authn/contract.ts';
import type { CsrfTokens } from '../../http/csrf.ts';
import type { Ctx } from '../../http/context.ts';
import { form, route, type Route } from '../../http/route.ts';
import { LatchError } from '../../util/errors.ts';
import type { ClientRegistry, FrontEndSignIn } from './deps.ts';
import { consentPage } from './pages.ts';
import { INTERACTION_PREFIX } from './provider.ts';
import { constraintsFrom, interactionResult, oidcError } from './request.ts';

// Where oidc-provider hands the browser to Latch (/oidc/interaction/<uid>), and where it comes
// back: the sign-in runs through FrontEndSignIn (SSO at once from a Latch session, or the
// prompt), then the result goes back to oidc-provider, which answers the relying party.

export interface InteractionDeps {
  provider: Provider;
  signIn: FrontEndSignIn;
  clients: ClientRegistry;
  csrf: CsrfTokens;
  maxBodyBytes: number;
}

const EXPIRED = (detail: string) =>
  new LatchError({
    status: 400,
    code: 'interaction_expired',
    publicMessage: 'Your sign-in session expired.',
    hint: 'Go back to the application and sign in again.',
    detail,
  });

const consentPurpose = (uid: string) => `oidc-consent:${uid}`;

export function interactionRoutes(deps: InteractionDeps): Route[] {
  const { provider, signIn, clients, csrf } = deps;

  /** The interaction this browser is in (oidc-provider's short-lived cookie), which must be the one in the URL. */
  async function load(ctx: Ctx, uid: string): Promise<InteractionDetails> {
    let details: InteractionDetails;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch (err) {
      if (err instanceof errors.SessionNotFound)
        throw EXPIRED(`interaction ${uid}: ${err.error_description ?? err.message}`);
      throw err;
    }
    if (details.uid !== uid) throw EXPIRED(`interaction cookie is for ${details.uid}, URL says ${uid}`);
    return details;
  }

  /** Hands the result to oidc-provider and sends the browser on to it. */
  async function complete(ctx: Ctx, result: InteractionResults, merge: boolean): Promise<void> {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  async function finishLogin(ctx: Ctx, details: InteractionDetails, outcome: SignInOutcome): Promise<void> {
    await complete(ctx, interactionResult(outcome, details.params), false);
  }

  const path = (rest: string) => `${INTERACTION_PREFIX}/:uid${rest}`;
  return [
    route({
      method: 'get',
      path: path(''),
      async handle(ctx, { params }) {
        const uid = params.uid!;
        const details = await load(ctx, uid);
        const clientId = details.params.client_id ?? '';
        if (details.prompt.name === 'login') {
          const request: SignInRequest = {
            app: clients.appRef(clientId),
            constraints: constraintsFrom(details.params),
            continuation: { returnPath: `${INTERACTION_PREFIX}/${uid}/continue`, data: { uid } },
          };
          const outcome = await signIn.start(ctx, request);
          if (outcome) await finishLogin(ctx, details, outcome);
          return;
        }
        if (details.prompt.name === 'consent') {
          const { missingOIDCScope, missingOIDCClaims } = details.prompt.details as {
            missingOIDCScope?: string[];
            missingOIDCClaims?: string[];
          };
          ctx.type = 'html';
          ctx.body = consentPage({
            appName: clients.appRef(clientId).name,
            scopes: (missingOIDCScope ?? []).filter((s) => s !== 'openid'),
            claims: missingOIDCClaims ?? [],
            action: `${INTERACTION_PREFIX}/${uid}/consent`,
            csrf: csrf.issue(consentPurpose(uid)),
          }).text;
          return;
        }
        throw new LatchError({
          status: 400,
          code: 'unsupported_prompt',
          publicMessage: 'The application asked for something Latch does not offer.',
          detail: `prompt ${details.prompt.name}`,
        });
      },
    }),
    route({
      method: 'get',
      path: path('/continue'),
      async handle(ctx, { params }) {
        const uid = params.uid!;
        const outcome = await signIn.finish(ctx);
        if (!outcome) throw EXPIRED('no finished sign-in for this browser at the continuation');
        const continuation = outcome.kind === 'done' ? outcome.result.continuation : outcome.continuation;
        if ((continuation.data as { uid?: unknown } | null)?.uid !== uid)
          throw EXPIRED('the finished sign-in belongs to another interaction');
        await finishLogin(ctx, await load(ctx, uid), outcome);
      },
    }),
    route({
      method: 'post',
      path: path('/consent'),
      body: form(deps.maxBodyBytes),
      csrf: {
        tokens: csrf,
        purpose: (_caller, _form, params) => consentPurpose(params.uid ?? ''),
        refuse: (): never => {
          throw new LatchError({
            status: 403,
            code: 'csrf',
            publicMessage: 'This page was out of date.',
            hint: 'Go back to the application and sign in again.',
            detail: 'consent CSRF token does not verify',
          });
        },
      },
      async handle(ctx, { body: form, params }) {
        const details = await load(ctx, params.uid!);
        if (details.prompt.name !== 'consent' || !details.session)
          throw EXPIRED('consent posted for an interaction that is not asking for consent');
        if (form.decision !== 'allow') {
          await complete(ctx, oidcError('consent-denied'), false);
          return;
        }
        const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details as {
          missingOIDCScope?: string[];
          missingOIDCClaims?: string[];
          missingResourceScopes?: Record<string, string[]>;
        };
        const grant =
          (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
          new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id ?? '' });
        if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
        if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
        for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {}))
          grant.addResourceScope(resource, scopes.join(' '));
        const grantId = await grant.save();
        await complete(ctx, { consent: { grantId } }, true);
      },
    }),
  ];
}
