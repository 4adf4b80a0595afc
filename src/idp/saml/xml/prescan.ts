import { XmlRejected } from './rejected.ts';

// One pass over the text, before any DOM is built, that refuses what would make building it
// expensive or dangerous: DTDs, processing instructions, more than one root, too much depth, and
// too many elements, attributes, namespace declarations or references. xmldom chains a namespace scope per
// element that declares one, so a deep nest of declarations costs quadratic time to build, and
// every element, attribute and reference costs a few microseconds; counting them here first keeps
// every message linear and cheap. The scan is not a full XML parser: it finds tags and counts;
// the DOM parser that runs afterwards judges well-formedness. All counts are per document.

export interface ShapeLimits {
  maxDepth: number;
  maxElements: number;
  /** Namespace declarations included. */
  maxAttributes: number;
  maxNamespaceDeclarations: number;
  /** Character and entity references ("&amp;", "&#13;"). */
  maxReferences: number;
}

const XML_DECLARATION = /^\uFEFF?\s*<\?xml\s([^?]*)\?>/;
const SPACE = new Set([' ', '\t', '\n', '\r']);

export function prescanXml(text: string, limits: ShapeLimits): void {
  const declaration = XML_DECLARATION.exec(text);
  if (declaration && /encoding\s*=\s*["'](?!utf-8["'])/i.test(declaration[1]!)) {
    throw new XmlRejected('XML declares an encoding other than UTF-8');
  }
  countReferences(text, limits.maxReferences);
  const counts: Counts = { open: [], elements: 0, attributes: 0, namespaces: 0, roots: 0 };
  let at = declaration ? declaration[0].length : 0;
  for (;;) {
    const lt = text.indexOf('<', at);
    if (lt < 0) return;
    at = markup(text, lt, counts, limits);
  }
}

interface Counts {
  /** Names of the elements open at this point; its length is the depth. */
  open: string[];
  elements: number;
  attributes: number;
  namespaces: number;
  roots: number;
}

/** Every "&" starts a reference in well-formed XML (comments and CDATA are counted too: harmless). */
function countReferences(text: string, max: number): void {
  let count = 0;
  for (let at = text.indexOf('&'); at >= 0; at = text.indexOf('&', at + 1)) {
    if (++count > max) throw new XmlRejected(`XML has more than ${max} character or entity references`);
  }
}

/** Handles the markup that starts at `lt`; returns where the scan goes on. */
function markup(text: string, lt: number, counts: Counts, limits: ShapeLimits): number {
  if (text.startsWith('<!--', lt)) return after(text, '-->', lt + 4);
  if (text.startsWith('<![CDATA[', lt)) return after(text, ']]>', lt + 9);
  if (text.startsWith('<!', lt)) throw new XmlRejected('XML with a DOCTYPE or other declaration is refused');
  if (text.startsWith('<?', lt)) throw new XmlRejected('XML with processing instructions is refused');
  if (text.startsWith('</', lt)) return endTag(text, lt + 2, counts);
  return startTag(text, lt + 1, counts, limits);
}

function startTag(text: string, from: number, counts: Counts, limits: ShapeLimits): number {
  if (counts.open.length === 0 && ++counts.roots > 1) {
    throw new XmlRejected('XML must have exactly one root element');
  }
  if (++counts.elements > limits.maxElements) {
    throw new XmlRejected(`XML has more than ${limits.maxElements} elements`);
  }
  let at = skipName(text, from);
  if (at === from) throw new XmlRejected('XML is not well-formed (a tag without a name)');
  const tagName = text.slice(from, at);
  for (;;) {
    at = skipSpace(text, at);
    if (text.startsWith('/>', at)) return at + 2;
    if (text[at] === '>') {
      if (counts.open.push(tagName) > limits.maxDepth) {
        throw new XmlRejected(`XML is nested deeper than ${limits.maxDepth} elements`);
      }
      return at + 1;
    }
    const nameEnd = skipName(text, at);
    if (nameEnd === at) throw new XmlRejected('XML is not well-formed (in a start tag)');
    if (++counts.attributes > limits.maxAttributes) {
      throw new XmlRejected(`XML has more than ${limits.maxAttributes} attributes`);
    }
    const name = text.slice(at, nameEnd);
    if ((name === 'xmlns' || name.startsWith('xmlns:')) && ++counts.namespaces > limits.maxNamespaceDeclarations) {
      throw new XmlRejected(`XML has more than ${limits.maxNamespaceDeclarations} namespace declarations`);
    }
    at = attributeValueEnd(text, nameEnd);
  }
}

/** Depth is counted exactly: an end tag must close the element open last. */
function endTag(text: string, from: number, counts: Counts): number {
  const nameEnd = skipName(text, from);
  const name = text.slice(from, nameEnd);
  const expected = counts.open.pop();
  if (name !== expected) {
    const shown = (tag: string) => tag.slice(0, 40);
    throw new XmlRejected(
      `XML is not well-formed (end tag </${shown(name)}> does not close <${shown(expected ?? '')}>)`,
    );
  }
  const close = skipSpace(text, nameEnd);
  if (text[close] !== '>') throw new XmlRejected('XML is not well-formed (in an end tag)');
  return close + 1;
}

/** From just after an attribute's name: `= "value"`; returns the index after the closing quote. */
function attributeValueEnd(text: string, from: number): number {
  let at = skipSpace(text, from);
  if (text[at] !== '=') throw new XmlRejected('XML is not well-formed (an attribute without a value)');
  at = skipSpace(text, at + 1);
  const quote = text[at];
  if (quote !== '"' && quote !== "'") throw new XmlRejected('XML is not well-formed (an unquoted attribute value)');
  return after(text, quote, at + 1);
}

function after(text: string, token: string, from: number): number {
  const found = text.indexOf(token, from);
  if (found < 0) throw new XmlRejected(`XML is not well-formed (no closing ${token})`);
  return found + token.length;
}

function skipSpace(text: string, from: number): number {
  let at = from;
  while (at < text.length && SPACE.has(text[at]!)) at++;
  return at;
}

/** Names end at space, "/", ">", "=" or the end; the DOM parser checks their characters. */
function skipName(text: string, from: number): number {
  let at = from;
  while (at < text.length) {
    const c = text[at]!;
    if (SPACE.has(c) || c === '/' || c === '>' || c === '=' || c === '<') break;
    at++;
  }
  return at;
}
