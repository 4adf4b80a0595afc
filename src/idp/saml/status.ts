import type { ServiceProvider } from './registry.ts';

// SAML status codes, and the one error type of the SAML front end. `answerable` errors go back to
// the SP's registered ACS as a status Response; the others (nothing trustworthy to answer to)
// become an error page. `detail` is for the log only.

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

export class SamlError extends Error {
  /** Set (with status) once the request named a registered SP and ACS. */
  replyTo?: ReplyTo;
  constructor(
    /** What the user may read. */
    readonly publicMessage: string,
    /** For the log. */
    readonly detail: string,
    /** Set when the error can be sent back to the SP as a status Response. */
    readonly status?: SamlStatus,
  ) {
    super(`${publicMessage} (${detail})`);
    this.name = 'SamlError';
  }
}
