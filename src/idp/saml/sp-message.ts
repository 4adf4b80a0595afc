import { decodePost, decodeRedirect, type MessageParam } from './bindings.ts';
import type { ServiceProvider, SpRegistry } from './registry.ts';
import { SamlError } from './status.ts';
import { NS } from './xml/namespaces.ts';
import {
  DEFAULT_XML_LIMITS,
  XmlRejected,
  optionalChild,
  parseXml,
  textOf,
  type XmlDocument,
  type XmlElement,
} from './xml/parse.ts';
import { verifyRedirectSignature, type RawQuery } from './xml/redirect-signature.ts';
import { checkMessageSignature } from './xml/signed-message.ts';

// The first steps for every message an SP sends (AuthnRequest, LogoutRequest, LogoutResponse):
// decode the binding, parse strictly, find the SP by its Issuer, and check the signature with
// that SP's configured certificates, over the XML (POST) or the raw query (Redirect).

export interface IncomingMessage {
  binding: 'redirect' | 'post';
  /** SAMLRequest / SAMLResponse as received (base64, deflated for Redirect). */
  message: string;
  relayState?: string;
  /** HTTP-Redirect: the raw query, for its signature. */
  query?: RawQuery;
}

export interface SpMessage {
  doc: XmlDocument;
  root: XmlElement;
  sp: ServiceProvider;
  signed: boolean;
}

/** `maxBytes`: saml.maxMessageBytes, the limit of the decoded (for HTTP-Redirect: inflated) XML. */
export function readSpMessage(
  input: IncomingMessage,
  param: MessageParam,
  expect: string,
  registry: SpRegistry,
  maxBytes: number,
): SpMessage {
  const xml =
    input.binding === 'redirect' ? decodeRedirect(input.message, maxBytes) : decodePost(input.message, maxBytes);
  const doc = refuseOnPage(() => parseXml(xml, { ...DEFAULT_XML_LIMITS, maxBytes }));
  const root = doc.documentElement!;
  if (root.namespaceURI !== NS.protocol || root.localName !== expect) {
    throw new SamlError('The request could not be read.', `expected samlp:${expect}, got <${root.localName}>`);
  }
  const issuerEl = refuseOnPage(() => optionalChild(root, NS.assertion, 'Issuer'));
  const issuer = issuerEl && refuseOnPage(() => textOf(issuerEl));
  if (!issuer) throw new SamlError('The request does not say which application sent it.', `${expect} without Issuer`);
  const sp = registry.get(issuer);
  if (!sp)
    throw new SamlError('This application is not registered with Latch.', `unknown SP ${JSON.stringify(issuer)}`);

  const trust = { certificates: sp.signingCertificates, allowSha1: sp.options.signatureAlgorithm === 'rsa-sha1' };
  const xmlSigned = refuseOnPage(
    () => checkMessageSignature(doc, { expect: [expect], trust, requireSignature: false }).signed,
  );
  if (xmlSigned && input.binding === 'redirect')
    throw new SamlError('The request could not be read.', `HTTP-Redirect ${expect} carries an XML signature`);
  const querySigned = input.query ? refuseOnPage(() => verifyRedirectSignature(input.query!, param, trust)) : false;
  return { doc, root, sp, signed: xmlSigned || querySigned };
}

/** XML problems before the SP is trusted end on an error page. */
export function refuseOnPage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof XmlRejected) throw new SamlError('The request could not be read.', err.message);
    throw err;
  }
}

/** IssueInstant within [now - maxAge - skew, now + skew]; returns a problem or undefined. */
export function issueInstantProblem(
  value: string | undefined,
  now: number,
  skew: number,
  maxAge: number,
): string | undefined {
  const at = value && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(at)) return 'IssueInstant is missing or invalid';
  if (at > now + skew) return 'IssueInstant is in the future';
  if (at < now - maxAge - skew) return 'the message expired';
  return undefined;
}
