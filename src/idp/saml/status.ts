import type { SignInFailure } from '../../authn/contract.ts';
import { LatchError } from '../../util/errors.ts';
import type { ServiceProvider } from './registry.ts';

// SAML status codes, the SAML front end's refusal (a LatchError), and the one place where refusals
// and failed sign-ins become status codes. Answerable refusals go back to the SP's registered ACS
// as a status Response; the others (nothing trustworthy to answer to) become an error page.

const P = 'urn:oasis:names:tc:SAML:2.0:status:';
export const STATUS = {
  success: `${P}Success`,
  requester: `${P}Requester`,
  responder: `${P}Responder`,
  versionMismatch: `${P}VersionMismatch`,
  authnFailed: `${P}AuthnFailed`,
  invalidNameIdPolicy: `${P}InvalidNameIDPolicy`,
  noAuthnContext: `${P}NoAuthnContext`,
  noPassive: `${P}NoPassive`,
  requestDenied: `${P}RequestDenied`,
  unsupportedBinding: `${P}UnsupportedBinding`,
  partialLogout: `${P}PartialLogout`,
  unknownPrincipal: `${P}UnknownPrincipal`,
} as const;

export interface SamlStatus {
  /** Top-level code: Requester, Responder or VersionMismatch. */
  code: string;
  subCode?: string;
  message?: string;
}

/** Where an answerable error goes: a registered ACS of a known SP. */
export interface ReplyTo {
  sp: ServiceProvider;
  acsUrl: string;
  inResponseTo?: string;
  relayState?: string;
}

/** A SAML request refused: a LatchError (a 400 page) that may also go back to the SP as a status. */
export class SamlError extends LatchError {
  /** Always given: what the log says of a SAML refusal. */
  declare readonly detail: string;
  /** Set (with samlStatus) once the request named a registered SP and ACS. */
  replyTo?: ReplyTo;
  constructor(
    publicMessage: string,
    detail: string,
    /** Set when the error can be sent back to the SP as a status Response. */
    readonly samlStatus?: SamlStatus,
  ) {
    super({
      status: 400,
      code: 'saml_request',
      publicMessage,
      detail,
      hint: 'Go back to the application and try again. If it keeps happening, tell its administrator.',
    });
    this.name = 'SamlError';
  }
}

/**
 * The one place SAML status codes come from: the status Response a refusal becomes, when it can go
 * back to the SP (a SamlError once the SP and its ACS are known); undefined for an error page.
 */
export function statusAnswer(error: LatchError): { replyTo: ReplyTo; status: SamlStatus } | undefined {
  if (!(error instanceof SamlError) || !error.replyTo || !error.samlStatus) return undefined;
  return { replyTo: error.replyTo, status: error.samlStatus };
}

/** …and the status a sign-in that ended without the user signed in becomes. */
export function failureStatus(failure: SignInFailure): SamlStatus {
  return FAILURE_STATUS[failure];
}

const FAILURE_STATUS: Record<SignInFailure, SamlStatus> = {
  'login-required': { code: STATUS.responder, subCode: STATUS.noPassive },
  'level-unavailable': { code: STATUS.responder, subCode: STATUS.noAuthnContext },
  'access-denied': { code: STATUS.responder, subCode: STATUS.requestDenied },
  cancelled: { code: STATUS.responder, subCode: STATUS.authnFailed, message: 'The user cancelled the sign-in' },
};
