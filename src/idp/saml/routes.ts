import type { SignInResult } from '../../authn/contract.ts';
import type { FrontEndSignIn } from '../signin/service.ts';
import type { BrowserCookies } from '../signin/cookies.ts';
import type { SessionStore } from '../signin/session.ts';
import type { CsrfTokens } from '../../http/csrf.ts';
import type { Ctx } from '../../http/context.ts';
import { form, route, type Route } from '../../http/route.ts';
import { LatchError } from '../../util/errors.ts';
import { registerStatic } from '../../ui/static.ts';
import { readAuthnRequest, type IncomingRequest } from './authn-request.ts';
import { postFormLimit, postFormPage } from './bindings.ts';
import { SAML_PATHS } from './idp-identity.ts';
import type { Outgoing, SamlIdp } from './idp.ts';
import type { ServiceProvider } from './registry.ts';
import { relayStateAllowed } from './relay-state.ts';
import { SamlError, statusAnswer } from './status.ts';
import { csrfPurpose } from './slo-confirm.ts';
import { XmlRejected } from './xml/parse.ts';
import { parseRawQuery, type RawQuery } from './xml/redirect-signature.ts';
import type { SloHandler } from './slo.ts';

registerStatic(
  'saml-post.js',
  'text/javascript; charset=utf-8',
  new URL('../../ui/static/saml-post.js', import.meta.url),
);

// The SAML endpoints. The pipeline of each reads top to bottom: read and validate the message,
// hand over to the sign-in (FrontEndSignIn), answer the SP's ACS with an auto-posted Response;
// a refusal goes back to the SP as a status Response when it can (status.ts), else to a page.

export interface SamlRouteDeps {
  idp: SamlIdp;
  signIn: FrontEndSignIn;
  sessions: SessionStore;
  cookies: BrowserCookies;
  csrf: CsrfTokens;
  slo: SloHandler;
  maxBodyBytes: number;
}

const NEEDS_AUTHN_REQUEST = (binding: string) =>
  new SamlError(
    'This address expects a SAML sign-in request from an application.',
    `${binding} /sso without SAMLRequest`,
  );

export function samlRoutes(deps: SamlRouteDeps): Route[] {
  const { idp } = deps;
  /** A form carrying a SAML message: as large as saml.maxMessageBytes allows, never more than server.maxBodyBytes. */
  const message = form(postFormLimit(idp.config.saml.maxMessageBytes, deps.maxBodyBytes));

  /** Refusals go back to the SP as a status Response when they can (status.ts), else to the error page. */
  async function refusals(ctx: Ctx, error: LatchError): Promise<boolean> {
    const answer = statusAnswer(error);
    if (!answer) return false;
    ctx.state.log.warn({ detail: error.detail, sp: answer.replyTo.sp.entityId }, 'SAML request refused');
    const outgoing = idp.refuse(answer.replyTo, answer.status);
    ctx.type = 'html';
    ctx.body = postFormPage(outgoing.acsUrl, 'SAMLResponse', outgoing.xml, outgoing.relayState).text;
    return true;
  }

  const sso = async (ctx: Ctx, input: IncomingRequest) => {
    const request = await readAuthnRequest(input, {
      registry: idp.registry,
      saml: idp.config.saml,
      identityFor: (sp) => idp.identityFor(sp),
      store: idp.store,
    });
    ctx.state.log.info(
      { sp: request.sp.entityId, request: request.id, signed: request.signed },
      'SAML AuthnRequest accepted',
    );
    const outcome = await deps.signIn.start(ctx, idp.signInRequest(request));
    if (outcome) await send(ctx, idp.answer(outcome), outcome.kind === 'done' ? outcome.result.sessionApps : undefined);
  };

  /** `known`: the session's applications as read for this request, when it answered from a session. */
  async function send(ctx: Ctx, outgoing: Outgoing | undefined, known?: SignInResult['sessionApps']): Promise<void> {
    if (!outgoing)
      throw new LatchError({
        status: 400,
        code: 'unknown_sp',
        publicMessage: 'This application is no longer registered with Latch.',
      });
    if (outgoing.session) {
      const app = { id: outgoing.sp.entityId, name: outgoing.sp.options.name, protocol: 'saml' as const };
      await deps.sessions.recordApp(outgoing.session.sid, app, outgoing.session.data, known);
    }
    ctx.type = 'html';
    ctx.body = postFormPage(outgoing.acsUrl, 'SAMLResponse', outgoing.xml, outgoing.relayState).text;
  }

  return [
    route({
      method: 'get',
      path: SAML_PATHS.metadata,
      handle(ctx) {
        const spId = typeof ctx.query.sp === 'string' ? ctx.query.sp : undefined;
        const sp = spId !== undefined ? idp.registry.get(spId) : undefined;
        if (spId !== undefined && !sp)
          throw new LatchError({
            status: 404,
            code: 'not_found',
            publicMessage: 'No application with this entity ID is registered.',
            detail: spId,
          });
        ctx.type = 'application/samlmetadata+xml';
        if (ctx.query.download !== undefined) ctx.attachment('latch-idp-metadata.xml');
        ctx.body = idp.metadata(sp);
      },
    }),
    route({
      method: 'get',
      path: SAML_PATHS.certificate,
      handle(ctx) {
        ctx.type = 'application/x-pem-file';
        ctx.attachment('latch-idp-signing.pem');
        ctx.body = idp.keys.current('RS256').certificatePem ?? '';
      },
    }),
    route({
      method: 'get',
      path: SAML_PATHS.sso,
      refusals,
      async handle(ctx) {
        const query = rawQuery(ctx.querystring);
        const message = query.values.get('SAMLRequest');
        if (!message) throw NEEDS_AUTHN_REQUEST('GET');
        await sso(ctx, {
          binding: 'redirect',
          message,
          query,
          ...optional('relayState', query.values.get('RelayState')),
        });
      },
    }),
    route({
      method: 'post',
      path: SAML_PATHS.sso,
      body: message,
      refusals,
      async handle(ctx, { body: form }) {
        if (!form.SAMLRequest) throw NEEDS_AUTHN_REQUEST('POST');
        await sso(ctx, { binding: 'post', message: form.SAMLRequest, ...optional('relayState', form.RelayState) });
      },
    }),
    route({
      method: 'get',
      path: SAML_PATHS.init,
      async handle(ctx) {
        const spId = typeof ctx.query.sp === 'string' ? ctx.query.sp : '';
        const sp = idp.registry.get(spId);
        if (!sp || !sp.options.allowIdpInitiated) {
          throw new LatchError({
            status: 404,
            code: 'not_found',
            publicMessage: 'This application cannot be started from Latch.',
            detail: `IdP-initiated sign-in to ${JSON.stringify(spId)}: ${sp ? 'not allowed' : 'unknown SP'}`,
          });
        }
        const relayState =
          ctx.query.RelayState === undefined
            ? sp.options.defaultRelayState
            : allowedRelayState(ctx.query.RelayState, sp);
        const acsUrl = (sp.acs.find((a) => a.isDefault) ?? sp.acs[0]!).url;
        const request = {
          sp,
          acsUrl,
          nameIdFormat: sp.options.nameIdFormat,
          forceAuthn: false,
          isPassive: false,
          ...optional('relayState', relayState),
        };
        const outcome = await deps.signIn.start(ctx, idp.signInRequest(request));
        if (outcome) await send(ctx, idp.answer(outcome));
      },
    }),
    route({
      method: 'get',
      path: SAML_PATHS.continue,
      async handle(ctx) {
        const outcome = await deps.signIn.finish(ctx);
        if (!outcome)
          throw new LatchError({
            status: 400,
            code: 'expired',
            publicMessage: 'Your sign-in session expired.',
            hint: 'Go back to the application and start again.',
          });
        await send(ctx, idp.answer(outcome));
      },
    }),
    route({ method: 'get', path: SAML_PATHS.slo, refusals, handle: (ctx) => deps.slo.handle(ctx) }),
    route({
      method: 'post',
      path: SAML_PATHS.slo,
      body: message,
      refusals,
      handle: (ctx, { body }) => deps.slo.handle(ctx, body),
    }),
    route({ method: 'get', path: SAML_PATHS.sloConfirm, refusals, handle: (ctx) => deps.slo.showConfirmation(ctx) }),
    route({
      method: 'post',
      path: SAML_PATHS.sloConfirm,
      // The browser's session as its cookie names it; the answer of one who is not signed in changes nothing.
      auth: (ctx) => deps.sessions.fromCookie(deps.cookies.session(ctx)),
      body: form(deps.maxBodyBytes),
      csrf: {
        tokens: deps.csrf,
        purpose: (session, form) => session && csrfPurpose(session.sid, form.request ?? ''),
        refuse: (): never => {
          throw new LatchError({
            status: 403,
            code: 'csrf',
            publicMessage: 'The sign-out could not be confirmed.',
            hint: "You are still signed in. To sign out, use the application's sign-out again.",
            detail: 'SAML logout confirmation refused: stale or forged CSRF token',
          });
        },
      },
      refusals,
      handle: (ctx, { caller: session, body }) => deps.slo.takeAnswer(ctx, session, body),
    }),
  ];
}

/** The RelayState asked for at IdP-initiated sign-in, if it stays on the SP (relay-state.ts). */
function allowedRelayState(value: string | string[], sp: ServiceProvider): string {
  if (typeof value === 'string' && relayStateAllowed(value, sp.options.relayStateOrigins ?? [])) return value;
  throw new LatchError({
    status: 400,
    code: 'relay_state',
    publicMessage: 'The address to continue to after signing in is not one this application allows.',
    detail: `IdP-initiated sign-in to ${sp.entityId} with RelayState ${JSON.stringify(value).slice(0, 300)}`,
    hint: 'Start again from the application, or from a link your organisation published.',
  });
}

function rawQuery(querystring: string): RawQuery {
  try {
    return parseRawQuery(querystring);
  } catch (err) {
    if (err instanceof XmlRejected) throw new SamlError('The request could not be read.', err.message);
    throw err;
  }
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
