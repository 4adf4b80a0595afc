import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Logger } from 'pino';
import type { SignInOutcome, SignInRequest } from '../../authn/contract.ts';
import type { LatchConfig } from '../../config/schema.ts';
import type { KeyRing } from '../../keys/contract.ts';
import type { Store } from '../../store/contract.ts';
import { records } from '../../store/records.ts';
import { mapAttributes } from './attributes.ts';
import { classRefFor } from './authn-context.ts';
import type { ValidAuthnRequest } from './authn-request.ts';
import { idpIdentity, SAML_PATHS, type IdpIdentity } from './idp-identity.ts';
import { buildIdpMetadata } from './idp-metadata.ts';
import { makeNameId, type NameId } from './name-id.ts';
import { resolveMetadataUrls } from './metadata-url.ts';
import { LiveSpRegistry } from './live-registry.ts';
import { ManagedSps } from './managed-sps.ts';
import { loadSpRegistry, type ServiceProvider } from './registry.ts';
import { buildStatusResponse, buildSuccessResponse } from './response.ts';
import { failureStatus, type ReplyTo, type SamlStatus } from './status.ts';
import type { NameIdFormatName } from '../../config/saml.ts';

// The SAML IdP as a long-lived service: the trusted SPs, Latch's identity per SP, metadata, and
// turning a finished sign-in (or a failure) into the Response for the SP's ACS.

/** What the SAML front end keeps in the sign-in transaction's continuation. */
// Types, not interfaces: both travel in the Json slots of the sign-in (continuation data) and of
// the session (an application's data), which take only what is assignable to Json.
export type SamlContinuation = {
  sp: string;
  acsUrl: string;
  requestId: string | null;
  relayState: string | null;
  nameIdFormat: NameIdFormatName;
  requestedClasses: string[] | null;
};

/** What the IdP session remembers per SP, for single logout. */
export type SamlSessionData = {
  nameId: string;
  format: NameIdFormatName;
  nameQualifier: string | null;
  spNameQualifier: string | null;
  sessionIndex: string;
};

export interface Outgoing {
  sp: ServiceProvider;
  acsUrl: string;
  xml: string;
  relayState: string | undefined;
  /** For the session, on success. */
  session?: { sid: string; data: SamlSessionData };
}

export class SamlIdp {
  constructor(
    readonly config: Pick<LatchConfig, 'saml'> & { server: { baseUrl: string } },
    /** Files and config, and the console's SPs from the store (live-registry.ts). */
    readonly registry: LiveSpRegistry,
    /** The SPs added in the console, as stored. */
    readonly managed: ManagedSps,
    readonly keys: KeyRing,
    readonly store: Store,
    private readonly persistentSecret: Buffer,
  ) {}

  identityFor(sp?: ServiceProvider): IdpIdentity {
    return idpIdentity(this.config.server.baseUrl, this.config.saml, sp);
  }

  metadata(sp?: ServiceProvider): string {
    return buildIdpMetadata({
      identity: this.identityFor(sp),
      keys: this.keys.published('RS256'),
      wantAuthnRequestsSigned: this.config.saml.spDefaults.requireSignedRequests,
      scopes: this.config.saml.scopes,
      sign: this.config.saml.signMetadata,
    });
  }

  signInRequest(
    request: Pick<ValidAuthnRequest, 'sp' | 'acsUrl' | 'nameIdFormat' | 'forceAuthn' | 'isPassive'> &
      Partial<ValidAuthnRequest>,
  ): SignInRequest {
    const data: SamlContinuation = {
      sp: request.sp.entityId,
      acsUrl: request.acsUrl,
      requestId: request.id ?? null,
      relayState: request.relayState ?? null,
      nameIdFormat: request.nameIdFormat,
      requestedClasses: request.requestedClasses ?? null,
    };
    return {
      app: { id: request.sp.entityId, name: request.sp.options.name, protocol: 'saml' },
      constraints: {
        ...(request.forceAuthn ? { forceAuthn: true } : {}),
        ...(request.isPassive ? { passive: true } : {}),
        ...(request.acceptableLevels ? { acceptableLevels: request.acceptableLevels } : {}),
        ...(request.loginHint ? { loginHint: request.loginHint } : {}),
      },
      continuation: { returnPath: SAML_PATHS.continue, data },
    };
  }

  /** The Response for a finished sign-in; undefined when the SP is no longer registered. */
  answer(outcome: SignInOutcome, now = Date.now()): Outgoing | undefined {
    // The continuation data is what signInRequest() put there.
    const data = (
      outcome.kind === 'done' ? outcome.result.continuation.data : outcome.continuation.data
    ) as SamlContinuation;
    const sp = this.registry.get(data.sp);
    if (!sp) return undefined;
    const target = {
      sp,
      idp: this.identityFor(sp),
      acsUrl: data.acsUrl,
      key: this.keys.current('RS256'),
      now,
      ...(data.requestId ? { inResponseTo: data.requestId } : {}),
    };
    const relayState = data.relayState ?? undefined;
    if (outcome.kind === 'failed')
      return { sp, acsUrl: data.acsUrl, xml: buildStatusResponse(target, failureStatus(outcome.failure)), relayState };
    const result = outcome.result;
    const nameId: NameId = makeNameId({
      user: result.user,
      format: data.nameIdFormat,
      attribute: sp.options.nameIdAttribute,
      idpEntityId: target.idp.entityId,
      spEntityId: sp.entityId,
      persistentSecret: this.persistentSecret,
    });
    const sessionIndex = `_${result.sessionId}`;
    const xml = buildSuccessResponse(target, {
      nameId,
      attributes: mapAttributes(result.user, sp.options.attributes),
      authnInstant: result.authTime,
      authnContextClassRef: classRefFor(result, data.requestedClasses ?? undefined),
      sessionIndex,
      assertionLifetimeMs: this.config.saml.assertionLifetime,
    });
    return {
      sp,
      acsUrl: data.acsUrl,
      xml,
      relayState,
      session: {
        sid: result.sessionId,
        data: {
          nameId: nameId.value,
          format: nameId.format,
          nameQualifier: nameId.nameQualifier ?? null,
          spNameQualifier: nameId.spNameQualifier ?? null,
          sessionIndex,
        },
      },
    };
  }

  /** A status Response for a request refused after its SP and ACS were known. */
  refuse(replyTo: ReplyTo, status: SamlStatus, now = Date.now()): Outgoing {
    const target = {
      sp: replyTo.sp,
      idp: this.identityFor(replyTo.sp),
      acsUrl: replyTo.acsUrl,
      key: this.keys.current('RS256'),
      now,
      ...(replyTo.inResponseTo ? { inResponseTo: replyTo.inResponseTo } : {}),
    };
    return {
      sp: replyTo.sp,
      acsUrl: replyTo.acsUrl,
      xml: buildStatusResponse(target, status),
      relayState: replyTo.relayState,
    };
  }
}

export async function openSamlIdp(config: LatchConfig, keys: KeyRing, store: Store, log: Logger): Promise<SamlIdp> {
  const warn = (message: string) => log.warn(message);
  const saml = await resolveMetadataUrls(config.saml, path.join(config.dataDir, 'saml-metadata'), warn);
  const managed = new ManagedSps(store);
  const registry = new LiveSpRegistry(loadSpRegistry(saml, { warn }), managed, saml.spDefaults, log);
  await registry.start();
  const persistentIdSecret = records.samlPersistentIdSecret.holding<string>();
  await persistentIdSecret.createIfAbsent(store, randomBytes(32).toString('base64url'));
  const secret = await persistentIdSecret.get(store);
  if (!secret) throw new Error('the SAML persistent-id secret could not be read back from the store');
  log.info({ serviceProviders: registry.all().length }, 'SAML service providers loaded');
  return new SamlIdp(config, registry, managed, keys, store, Buffer.from(secret, 'base64url'));
}
