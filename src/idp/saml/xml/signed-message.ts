import { NS } from './namespaces.ts';
import {
  DEFAULT_XML_LIMITS,
  XmlRejected,
  allElements,
  parseXml,
  type XmlDocument,
  type XmlElement,
  type XmlLimits,
} from './parse.ts';
import { verifySignedElement, type SignatureTrust } from './verify-signed-element.ts';

// A protocol message from a service provider (AuthnRequest, LogoutRequest, LogoutResponse):
// the only signature allowed anywhere in it is the root's own enveloped signature, so nothing
// signed can be smuggled in next to, inside or around what we read.

export interface SignedMessage {
  doc: XmlDocument;
  root: XmlElement;
  /** True when the root carried a signature and it verified. */
  signed: boolean;
}

export interface MessageOptions {
  /** Which protocol elements may be the root, e.g. ['AuthnRequest']. */
  expect: string[];
  trust: SignatureTrust;
  /** Refuse a message without a valid root signature. */
  requireSignature: boolean;
  limits?: XmlLimits;
}

export function parseSignedMessage(xml: string, options: MessageOptions): SignedMessage {
  return checkMessageSignature(parseXml(xml, options.limits ?? DEFAULT_XML_LIMITS), options);
}

/** The same checks on a document already parsed with parseXml (to read the Issuer first). */
export function checkMessageSignature(doc: XmlDocument, options: Omit<MessageOptions, 'limits'>): SignedMessage {
  const root = doc.documentElement!;
  if (root.namespaceURI !== NS.protocol || !options.expect.includes(root.localName!)) {
    throw new XmlRejected(
      `expected a SAML ${options.expect.join(' or ')}, got <${root.localName}> in ${root.namespaceURI ?? 'no namespace'}`,
    );
  }
  const signatures = allElements(doc).filter((el) => el.namespaceURI === NS.dsig && el.localName === 'Signature');
  if (signatures.some((s) => s.parentNode !== root) || signatures.length > 1) {
    throw new XmlRejected('a signature is only allowed directly on the message itself');
  }
  if (signatures.length === 1) verifySignedElement(doc, root, options.trust);
  else if (options.requireSignature) throw new XmlRejected(`the ${root.localName} must be signed`);
  return { doc, root, signed: signatures.length === 1 };
}
