import { DOMParser } from '@xmldom/xmldom';
import type { Document as XDocument, Element as XElement } from '@xmldom/xmldom';
import { prescanXml, type ShapeLimits } from './prescan.ts';
import { XmlRejected } from './rejected.ts';

// The one way Latch reads XML from outside: strict, bounded and without DTDs. Everything a peer
// sends (AuthnRequest, LogoutRequest/Response, SP metadata) goes through parseXml, which bounds
// size, depth and counts in a linear pre-scan (prescan.ts) before the DOM is built, and values are
// read with textOf, which refuses mixed content so a comment cannot shorten a NameID or Issuer.

export type XmlDocument = XDocument;
export type XmlElement = XElement;

export interface XmlLimits extends ShapeLimits {
  maxBytes: number;
}

/**
 * For protocol messages (AuthnRequest, LogoutRequest/Response; maxBytes from saml.maxMessageBytes).
 * Real ones have a few dozen elements; xmldom spends up to ~10 µs on each element or attribute,
 * so these keep the costliest message that passes at a few milliseconds.
 */
export const DEFAULT_XML_LIMITS: XmlLimits = {
  maxBytes: 64 * 1024,
  maxDepth: 24,
  maxElements: 256,
  maxAttributes: 512,
  maxNamespaceDeclarations: 64,
  maxReferences: 1000,
};

export { XmlRejected };

const ELEMENT = 1;
const TEXT = 3;

export function parseXml(text: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlDocument {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > limits.maxBytes) throw new XmlRejected(`XML is ${size} bytes, more than the limit of ${limits.maxBytes}`);
  prescanXml(text, limits);
  let doc: XmlDocument;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        throw new XmlRejected(`XML is not well-formed (${level}: ${message})`);
      },
    }).parseFromString(text, 'text/xml');
  } catch (err) {
    if (err instanceof XmlRejected) throw err;
    throw new XmlRejected(`XML is not well-formed (${(err as Error).message})`);
  }
  const roots = Array.from(doc.childNodes).filter((n) => n.nodeType === ELEMENT);
  if (roots.length !== 1) throw new XmlRejected(`XML must have exactly one root element (found ${roots.length})`);
  return doc;
}

/** Child elements in a namespace with a local name (all of them when no name is given). */
export function childElements(el: XmlElement, ns?: string, localName?: string): XmlElement[] {
  return Array.from(el.childNodes).filter(
    (n): n is XmlElement =>
      n.nodeType === ELEMENT &&
      (ns === undefined || ((n as XmlElement).namespaceURI ?? '') === ns) &&
      (localName === undefined || (n as XmlElement).localName === localName),
  );
}

/** The one child of that name, or undefined; more than one is refused. */
export function optionalChild(el: XmlElement, ns: string, localName: string): XmlElement | undefined {
  const found = childElements(el, ns, localName);
  if (found.length > 1)
    throw new XmlRejected(`<${el.localName}> has ${found.length} <${localName}> elements; at most one is allowed`);
  return found[0];
}

export function requiredChild(el: XmlElement, ns: string, localName: string): XmlElement {
  const found = optionalChild(el, ns, localName);
  if (!found) throw new XmlRejected(`<${el.localName}> has no <${localName}>`);
  return found;
}

/**
 * The text of an element that must hold only text. Comments, CDATA, processing instructions or
 * child elements are refused: a parser that stops at a comment would read "admin@x<!---->.evil"
 * as "admin@x" while the signature covered the whole string.
 */
export function textOf(el: XmlElement): string {
  let text = '';
  for (const child of Array.from(el.childNodes)) {
    if (child.nodeType !== TEXT) throw new XmlRejected(`<${el.localName}> must contain only text`);
    text += child.nodeValue ?? '';
  }
  return text.trim();
}

export function attr(el: XmlElement, name: string): string | undefined {
  return el.hasAttribute(name) ? el.getAttribute(name)! : undefined;
}

/** Every element of the document, depth first. */
export function allElements(doc: XmlDocument): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (el: XmlElement): void => {
    out.push(el);
    for (const child of childElements(el)) walk(child);
  };
  walk(doc.documentElement!);
  return out;
}
