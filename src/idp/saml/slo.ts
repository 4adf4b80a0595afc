import type { Ctx } from '../../http/context.ts';
import type { CsrfTokens } from '../../http/csrf.ts';
import type { Form } from '../../http/route.ts';
import { signedOutPage } from '../../ui/pages.ts';
import { randomId, sha256 } from '../../util/random.ts';
import { records } from '../../store/records.ts';
import type { BrowserCookies } from '../signin/cookies.ts';
import type { IdpSession, SessionStore } from '../signin/session.ts';
import type { SignOutHooks } from '../signin/sign-out.ts';
import type { SamlIdp, SamlSessionData } from './idp.ts';
import { deliver, logoutRequestXml, logoutResponseXml, sloEndpoint, type Delivery } from './logout-messages.ts';
import { newId } from './response.ts';
import { issueInstantProblem, readSpMessage, refuseOnPage, type IncomingMessage } from './sp-message.ts';
import { SamlError, STATUS, type SamlStatus } from './status.ts';
import {
  confirmLogoutPage,
  confirmUrl,
  csrfPurpose,
  isPendingId,
  PENDING_TTL_MS,
  sessionVerdict,
  type PendingLogout,
} from './slo-confirm.ts';
import { NS } from './xml/namespaces.ts';
import { attr, childElements, optionalChild, requiredChild, textOf } from './xml/parse.ts';
import { parseRawQuery } from './xml/redirect-signature.ts';

// Single logout, front channel. A LogoutRequest from an SP (or Latch's own sign-out) ends the IdP
// session, then the browser visits each other SP of that session that has an SLO endpoint with a
// signed LogoutRequest, and comes back here with its LogoutResponse; at the end the SP that asked
// gets its LogoutResponse (or the browser goes where the sign-out leads, or the user sees the
// signed-out page). The other front ends' sign-out hooks run when the session ends, so OIDC
// clients hear of a SAML logout too. The chain's state is kept in the store under a random id
// carried in RelayState. An unsigned LogoutRequest first waits for the user (slo-confirm.ts).

interface PendingSp {
  sp: string;
  data: SamlSessionData;
}

interface LogoutChain {
  /** The SP that asked, to be answered at the end; absent for Latch's own sign-out. */
  origin: { sp: string; requestId: string; relayState: string | null } | null;
  /** Without an origin: where the browser goes at the end (an OIDC client's post-logout URI); null: the signed-out page. */
  returnTo: string | null;
  pending: PendingSp[];
  /** The LogoutRequest we are waiting on. */
  waiting: { sp: string; requestId: string } | null;
  partial: boolean;
  /** The origin's answer when no session was ended for it (instead of Success / PartialLogout). */
  refusal?: SamlStatus;
}

const CHAIN_TTL_MS = 10 * 60_000;
const chains = records.samlLogoutChain.holding<LogoutChain>();
/** Unsigned LogoutRequests waiting for the user (slo-confirm.ts). */
const confirmations = records.samlLogoutConfirmation.holding<PendingLogout>();
/** When each LogoutRequest ID was first seen: a replayed request is refused. */
const requestsSeen = records.samlLogoutRequestSeen.holding<number>();

export interface SloHandler {
  /** A LogoutRequest or LogoutResponse: in the query (HTTP-Redirect), or in the posted `form` (HTTP-POST). */
  handle(ctx: Ctx, form?: Form): Promise<void>;
  /** The confirmation page of an unsigned LogoutRequest. */
  showConfirmation(ctx: Ctx): Promise<void>;
  /** The user's answer on it; the route has checked the form's CSRF token against `session` (csrfPurpose). */
  takeAnswer(ctx: Ctx, session: IdpSession | undefined, form: Form): Promise<void>;
  /**
   * Another front end's sign-out: sends the browser round the SPs of the ended session, then to
   * `returnTo` (or the signed-out page). Leaves ctx alone when the session had no SP to tell.
   */
  propagate(ctx: Ctx, session: IdpSession, returnTo?: string): Promise<void>;
}

export function createSloHandler(
  idp: SamlIdp,
  sessions: SessionStore,
  cookies: BrowserCookies,
  signOut: SignOutHooks,
  csrf: CsrfTokens,
): SloHandler {
  function incoming(
    ctx: Ctx,
    form: Form | undefined,
  ): { input: IncomingMessage; param: 'SAMLRequest' | 'SAMLResponse' } {
    if (!form) {
      const query = refuseOnPage(() => parseRawQuery(ctx.querystring));
      const param = query.values.has('SAMLRequest') ? 'SAMLRequest' : 'SAMLResponse';
      const message = query.values.get(param);
      if (!message) throw new SamlError('This address expects a SAML logout message.', 'SLO without a SAML message');
      const relayState = query.values.get('RelayState');
      return {
        param,
        input: { binding: 'redirect', message, query, ...(relayState !== undefined ? { relayState } : {}) },
      };
    }
    const param = form.SAMLRequest ? 'SAMLRequest' : 'SAMLResponse';
    const message = form[param];
    if (!message) throw new SamlError('This address expects a SAML logout message.', 'SLO without a SAML message');
    return {
      param,
      input: { binding: 'post', message, ...(form.RelayState !== undefined ? { relayState: form.RelayState } : {}) },
    };
  }

  async function onLogoutRequest(ctx: Ctx, input: IncomingMessage): Promise<void> {
    const now = Date.now();
    const { root, sp, signed } = readSpMessage(
      input,
      'SAMLRequest',
      'LogoutRequest',
      idp.registry,
      idp.config.saml.maxMessageBytes,
    );
    const endpoint = sloEndpoint(sp);
    if (!endpoint)
      throw new SamlError(
        'This application has no logout address registered with Latch.',
        `${sp.entityId} has no SingleLogoutService`,
      );
    // An SP that has a signing key must sign its logout requests: otherwise anyone could end a user's session.
    if (!signed && (sp.options.requireSignedRequests || sp.signingCertificates.length > 0)) {
      throw new SamlError('The logout request was not signed.', `unsigned LogoutRequest from ${sp.entityId}`);
    }
    const id = attr(root, 'ID') ?? '';
    if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/.test(id))
      throw new SamlError('The logout request could not be read.', `LogoutRequest ID ${JSON.stringify(id)}`);
    const destination = attr(root, 'Destination');
    const identity = idp.identityFor(sp);
    if (destination !== undefined && destination !== identity.sloUrl)
      throw new SamlError('The logout request was meant for another server.', `Destination ${destination}`);
    const problem = issueInstantProblem(
      attr(root, 'IssueInstant'),
      now,
      sp.options.clockSkew,
      idp.config.saml.requestMaxAge,
    );
    if (problem) throw new SamlError('The logout request has expired or is not valid yet.', problem);
    const nameId = refuseOnPage(() => textOf(requiredChild(root, NS.assertion, 'NameID')));
    const sessionIndexes = refuseOnPage(() => childElements(root, NS.protocol, 'SessionIndex').map(textOf));
    const seen = { spHash: sha256(sp.entityId), requestId: id };
    if (
      !(await requestsSeen.createIfAbsent(idp.store, seen, now, {
        ttlMs: idp.config.saml.requestMaxAge + 2 * sp.options.clockSkew,
      }))
    ) {
      throw new SamlError('This logout request was already used.', `replayed LogoutRequest ${id}`);
    }
    const origin = { sp: sp.entityId, requestId: id, relayState: input.relayState ?? null };
    if (!signed) return awaitConfirmation(ctx, { ...origin, nameId, sessionIndexes });

    // The browser's session, or (when a cross-site POST brought no cookie) the one named by SessionIndex.
    const named = await Promise.all(sessionIndexes.map((s) => sessions.get(s.replace(/^_/, ''))));
    const candidates = [await sessions.fromCookie(cookies.session(ctx)), ...named];
    const session = candidates.find(
      (s) => s && (s.apps[sp.entityId]?.data as SamlSessionData | undefined)?.nameId === nameId,
    );
    const pending = session ? await endSession(ctx, session, sp.entityId) : [];
    const chain: LogoutChain = {
      origin,
      returnTo: null,
      pending,
      waiting: null,
      partial: !session && candidates.some(Boolean),
    };
    await next(ctx, chain, randomId());
  }

  /** Ends the session and runs the other front ends' hooks; returns the other SPs to tell. */
  async function endSession(ctx: Ctx, session: IdpSession, spId: string): Promise<PendingSp[]> {
    await sessions.end(session.sid);
    if ((await sessions.fromCookie(cookies.session(ctx))) === undefined) cookies.clearSession(ctx);
    const pending = otherSamlApps(session, spId);
    await signOut.run(ctx, session, { except: 'saml' });
    ctx.state.log.info({ sp: spId, user: session.user.id, others: pending.length }, 'SAML logout: session ended');
    return pending;
  }

  /**
   * An unsigned request waits for the user on Latch's own page. The browser is sent there with a
   * redirect: a cross-site POST brings no session cookie, the top-level GET that follows does.
   */
  async function awaitConfirmation(ctx: Ctx, pending: PendingLogout): Promise<void> {
    const id = randomId();
    await confirmations.set(idp.store, id, pending, { ttlMs: PENDING_TTL_MS });
    ctx.status = 303;
    ctx.redirect(confirmUrl(id));
  }

  async function showConfirmation(ctx: Ctx): Promise<void> {
    const id = ctx.query.request;
    const pending = isPendingId(id) ? await confirmations.get(idp.store, id) : undefined;
    if (!isPendingId(id) || !pending) throw expiredConfirmation();
    const session = await sessions.fromCookie(cookies.session(ctx));
    const verdict = sessionVerdict(session, pending);
    if (!session || verdict !== 'same') {
      await confirmations.take(idp.store, id);
      return answerWithoutLogout(ctx, pending, verdict);
    }
    ctx.status = 200;
    ctx.type = 'html';
    const spName = idp.registry.get(pending.sp)?.options.name ?? pending.sp;
    const user = session.user.displayName ?? session.user.username;
    ctx.body = confirmLogoutPage({ spName, user, request: id, csrf: csrf.issue(csrfPurpose(session.sid, id)) }).text;
  }

  async function takeAnswer(ctx: Ctx, session: IdpSession | undefined, form: Form): Promise<void> {
    const pending = isPendingId(form.request) ? await confirmations.take(idp.store, form.request) : undefined;
    if (!pending) throw expiredConfirmation();
    const verdict = sessionVerdict(session, pending);
    if (!session || verdict !== 'same') return answerWithoutLogout(ctx, pending, verdict);
    const origin = { sp: pending.sp, requestId: pending.requestId, relayState: pending.relayState };
    if (form.decision !== 'logout') {
      ctx.state.log.info({ sp: pending.sp, user: session.user.id }, 'SAML logout: the user chose to stay signed in');
      const refusal = {
        code: STATUS.responder,
        subCode: STATUS.requestDenied,
        message: 'The user chose to stay signed in',
      };
      return next(ctx, { origin, returnTo: null, pending: [], waiting: null, partial: false, refusal }, randomId());
    }
    const others = await endSession(ctx, session, pending.sp);
    await next(ctx, { origin, returnTo: null, pending: others, waiting: null, partial: false }, randomId());
  }

  /** Not signed in here: nothing to end (Success). Another session: the SP hears it was not ended. */
  function answerWithoutLogout(ctx: Ctx, pending: PendingLogout, verdict: 'none' | 'other' | 'same'): Promise<void> {
    const origin = { sp: pending.sp, requestId: pending.requestId, relayState: pending.relayState };
    if (verdict === 'other') {
      ctx.state.log.warn(
        { sp: pending.sp },
        "unsigned SAML LogoutRequest does not name this browser's session; nothing ended",
      );
    }
    const chain: LogoutChain = { origin, returnTo: null, pending: [], waiting: null, partial: false };
    if (verdict === 'other') chain.refusal = { code: STATUS.requester, subCode: STATUS.unknownPrincipal };
    return next(ctx, chain, randomId());
  }

  async function onLogoutResponse(ctx: Ctx, input: IncomingMessage): Promise<void> {
    const chainId = input.relayState ?? '';
    const chain = /^[A-Za-z0-9_-]{43}$/.test(chainId) ? await chains.take(idp.store, chainId) : undefined;
    if (!chain?.waiting)
      throw new SamlError('This logout has already finished or expired.', `LogoutResponse with unknown RelayState`);
    const { root, sp } = readSpMessage(
      input,
      'SAMLResponse',
      'LogoutResponse',
      idp.registry,
      idp.config.saml.maxMessageBytes,
    );
    if (sp.entityId !== chain.waiting.sp || attr(root, 'InResponseTo') !== chain.waiting.requestId) {
      throw new SamlError(
        'The logout response does not belong to this logout.',
        `LogoutResponse from ${sp.entityId} in response to ${attr(root, 'InResponseTo')}`,
      );
    }
    const statusCode = refuseOnPage(() =>
      optionalChild(requiredChild(root, NS.protocol, 'Status'), NS.protocol, 'StatusCode'),
    );
    if (!statusCode || attr(statusCode, 'Value') !== STATUS.success) chain.partial = true;
    chain.waiting = null;
    await next(ctx, chain, chainId);
  }

  /** Sends the browser to the next SP, or answers the origin / shows the signed-out page. */
  async function next(ctx: Ctx, chain: LogoutChain, chainId: string): Promise<void> {
    const now = Date.now();
    while (chain.pending.length > 0) {
      const { sp: spId, data } = chain.pending.shift()!;
      const sp = idp.registry.get(spId);
      const endpoint = sp && sloEndpoint(sp);
      if (!sp || !endpoint) continue;
      const requestId = newId();
      const xml = logoutRequestXml(requestId, idp.identityFor(sp).entityId, endpoint.url, data, now);
      chain.waiting = { sp: spId, requestId };
      await chains.set(idp.store, chainId, chain, { ttlMs: CHAIN_TTL_MS });
      return send(ctx, deliver(endpoint, endpoint.url, 'SAMLRequest', xml, chainId, sp, idp.keys.current('RS256')));
    }
    const origin = chain.origin && idp.registry.get(chain.origin.sp);
    const endpoint = origin && sloEndpoint(origin);
    if (!chain.origin && chain.returnTo) {
      ctx.status = 303;
      return ctx.redirect(chain.returnTo);
    }
    if (!chain.origin || !origin || !endpoint) {
      ctx.status = 200;
      ctx.type = 'html';
      ctx.body = signedOutPage().text;
      return;
    }
    const url = endpoint.responseUrl ?? endpoint.url;
    const status: SamlStatus =
      chain.refusal ??
      (chain.partial ? { code: STATUS.success, subCode: STATUS.partialLogout } : { code: STATUS.success });
    const xml = logoutResponseXml(idp.identityFor(origin).entityId, url, chain.origin.requestId, status, now);
    send(
      ctx,
      deliver(
        endpoint,
        url,
        'SAMLResponse',
        xml,
        chain.origin.relayState ?? undefined,
        origin,
        idp.keys.current('RS256'),
      ),
    );
  }

  /** Statuses are set explicitly: another front end's response may be under way (see oidc/logout.ts). */
  function send(ctx: Ctx, delivery: Delivery): void {
    if ('redirect' in delivery) {
      ctx.status = 302;
      return ctx.redirect(delivery.redirect);
    }
    ctx.status = 200;
    ctx.type = 'html';
    ctx.body = delivery.page;
  }

  return {
    async handle(ctx, form) {
      const { input, param } = incoming(ctx, form);
      if (param === 'SAMLRequest') await onLogoutRequest(ctx, input);
      else await onLogoutResponse(ctx, input);
    },
    showConfirmation,
    takeAnswer,
    async propagate(ctx, session, returnTo) {
      const pending = otherSamlApps(session, undefined);
      if (pending.length === 0) return;
      await next(ctx, { origin: null, returnTo: returnTo ?? null, pending, waiting: null, partial: false }, randomId());
    },
  };
}

function otherSamlApps(session: IdpSession, except: string | undefined): PendingSp[] {
  return Object.entries(session.apps)
    .filter(([id, app]) => app.protocol === 'saml' && id !== except && app.data)
    .map(([id, app]) => ({ sp: id, data: app.data as SamlSessionData }));
}

function expiredConfirmation(): SamlError {
  return new SamlError(
    'This logout request has expired or was already answered.',
    'unknown or used logout confirmation',
  );
}
