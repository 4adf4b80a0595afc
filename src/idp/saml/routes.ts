import Router from '@koa/router';
import type { FrontEndSignIn } from '../signin/service.ts';
import type { SessionStore } from '../signin/session.ts';
import type { LatchState, Ctx } from '../../http/context.ts';
import { readForm } from '../../http/form.ts';
import { LatchError } from '../../util/errors.ts';
import { registerStatic } from '../../ui/static.ts';
import type { Json } from '../../store/contract.ts';
import { readAuthnRequest, type IncomingRequest } from './authn-request.ts';
import { postFormLimit, postFormPage } from './bindings.ts';
import { SAML_PATHS } from './idp-identity.ts';
import type { Outgoing, SamlIdp } from './idp.ts';
import type { ServiceProvider } from './registry.ts';
import { relayStateAllowed } from './relay-state.ts';
import { SamlError } from './status.ts';
import { XmlRejected } from './xml/parse.ts';
import { parseRawQuery, type RawQuery } from './xml/redirect-signature.ts';
import type { SloHandler } from './slo.ts';

registerStatic('saml-post.js', 'text/javascript; charset=utf-8', new URL('../../ui/static/saml-post.js', import.meta.url));

// The SAML endpoints. The pipeline of each reads top to bottom: read and validate the message,
// hand over to the sign-in (FrontEndSignIn), answer the SP's ACS with an auto-posted Response.

export interface SamlRouteDeps {
  idp: SamlIdp;
  signIn: FrontEndSignIn;
  sessions: SessionStore;
  slo: SloHandler;
  maxBodyBytes: number;
}

export function samlRoutes(deps: SamlRouteDeps): Router<LatchState> {
  const { idp } = deps;
  const router = new Router<LatchState>();

  router.get(SAML_PATHS.metadata, (ctx) => {
    ctx.state.route = SAML_PATHS.metadata;
    const spId = typeof ctx.query.sp === 'string' ? ctx.query.sp : undefined;
    const sp = spId !== undefined ? idp.registry.get(spId) : undefined;
    if (spId !== undefined && !sp) throw new LatchError({ status: 404, code: 'not_found', publicMessage: 'No application with this entity ID is registered.', detail: spId });
    ctx.type = 'application/samlmetadata+xml';
    if (ctx.query.download !== undefined) ctx.attachment('latch-idp-metadata.xml');
    ctx.body = idp.metadata(sp);
  });

  router.get(SAML_PATHS.certificate, (ctx) => {
    ctx.state.route = SAML_PATHS.certificate;
    ctx.type = 'application/x-pem-file';
    ctx.attachment('latch-idp-signing.pem');
    ctx.body = idp.keys.current('RS256').certificatePem ?? '';
  });

  const sso = async (ctx: Ctx, input: IncomingRequest) => {
    const request = await readAuthnRequest(input, { registry: idp.registry, saml: idp.config.saml, identityFor: (sp) => idp.identityFor(sp), store: idp.store });
    ctx.state.log.info({ sp: request.sp.entityId, request: request.id, signed: request.signed }, 'SAML AuthnRequest accepted');
    const outcome = await deps.signIn.start(ctx, idp.signInRequest(request));
    if (outcome) await send(ctx, idp.answer(outcome));
  };

  router.get(SAML_PATHS.sso, async (ctx) => {
    ctx.state.route = SAML_PATHS.sso;
    await refusals(ctx, deps, async () => {
      const query = rawQuery(ctx.querystring);
      const message = query.values.get('SAMLRequest');
      if (!message) throw new SamlError('This address expects a SAML sign-in request from an application.', 'GET /sso without SAMLRequest');
      await sso(ctx, { binding: 'redirect', message, query, ...optional('relayState', query.values.get('RelayState')) });
    });
  });

  router.post(SAML_PATHS.sso, async (ctx) => {
    ctx.state.route = SAML_PATHS.sso;
    await refusals(ctx, deps, async () => {
      const form = await readForm(ctx, postFormLimit(idp.config.saml.maxMessageBytes, deps.maxBodyBytes));
      if (!form.SAMLRequest) throw new SamlError('This address expects a SAML sign-in request from an application.', 'POST /sso without SAMLRequest');
      await sso(ctx, { binding: 'post', message: form.SAMLRequest, ...optional('relayState', form.RelayState) });
    });
  });

  router.get(SAML_PATHS.init, async (ctx) => {
    ctx.state.route = SAML_PATHS.init;
    const spId = typeof ctx.query.sp === 'string' ? ctx.query.sp : '';
    const sp = idp.registry.get(spId);
    if (!sp || !sp.options.allowIdpInitiated) {
      throw new LatchError({ status: 404, code: 'not_found', publicMessage: 'This application cannot be started from Latch.', detail: `IdP-initiated sign-in to ${JSON.stringify(spId)}: ${sp ? 'not allowed' : 'unknown SP'}` });
    }
    const relayState = ctx.query.RelayState === undefined ? sp.options.defaultRelayState : allowedRelayState(ctx.query.RelayState, sp);
    const acsUrl = (sp.acs.find((a) => a.isDefault) ?? sp.acs[0]!).url;
    const request = { sp, acsUrl, nameIdFormat: sp.options.nameIdFormat, forceAuthn: false, isPassive: false, ...optional('relayState', relayState) };
    const outcome = await deps.signIn.start(ctx, idp.signInRequest(request));
    if (outcome) await send(ctx, idp.answer(outcome));
  });

  router.get(SAML_PATHS.continue, async (ctx) => {
    ctx.state.route = SAML_PATHS.continue;
    const outcome = await deps.signIn.finish(ctx);
    if (!outcome) throw new LatchError({ status: 400, code: 'expired', publicMessage: 'Your sign-in session expired.', hint: 'Go back to the application and start again.' });
    await send(ctx, idp.answer(outcome));
  });

  for (const method of ['get', 'post'] as const) {
    router[method](SAML_PATHS.slo, async (ctx) => {
      ctx.state.route = SAML_PATHS.slo;
      await refusals(ctx, deps, () => deps.slo.handle(ctx));
    });
    router[method](SAML_PATHS.sloConfirm, async (ctx) => {
      ctx.state.route = SAML_PATHS.sloConfirm;
      await refusals(ctx, deps, () => deps.slo.confirm(ctx));
    });
  }

  async function send(ctx: Ctx, outgoing: Outgoing | undefined): Promise<void> {
    if (!outgoing) throw new LatchError({ status: 400, code: 'unknown_sp', publicMessage: 'This application is no longer registered with Latch.' });
    if (outgoing.session) {
      const app = { id: outgoing.sp.entityId, name: outgoing.sp.options.name, protocol: 'saml' as const };
      await deps.sessions.recordApp(outgoing.session.sid, app, outgoing.session.data as unknown as Json);
    }
    ctx.type = 'html';
    ctx.body = postFormPage(outgoing.acsUrl, 'SAMLResponse', outgoing.xml, outgoing.relayState).text;
  }

  return router;
}

/** SamlErrors become a status Response to the SP when they can, else an error page. */
async function refusals(ctx: Ctx, deps: SamlRouteDeps, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof SamlError)) throw err;
    ctx.state.log.warn({ detail: err.detail, sp: err.replyTo?.sp.entityId }, 'SAML request refused');
    if (err.replyTo && err.status) {
      const outgoing = deps.idp.refuse(err.replyTo, err.status);
      ctx.type = 'html';
      ctx.body = postFormPage(outgoing.acsUrl, 'SAMLResponse', outgoing.xml, outgoing.relayState).text;
      return;
    }
    throw new LatchError({ status: 400, code: 'saml_request', publicMessage: err.publicMessage, detail: err.detail, hint: 'Go back to the application and try again. If it keeps happening, tell its administrator.' });
  }
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
