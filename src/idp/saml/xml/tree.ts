// The XML that Latch writes, as a small tree that serializes two ways: as the document sent to the
// SP, and in Exclusive XML Canonicalization (https://www.w3.org/TR/xml-exc-c14n/, without
// comments and without an InclusiveNamespaces list), the form a signature's digest is computed
// over. Signing then never parses what Latch has just written.
//
// Only what Latch writes is supported, and the builder refuses the rest: every element and
// attribute name is prefixed or plain (no default namespace), namespaces are declared with
// `xmlns`, and content is elements and text (no comments, processing instructions or CDATA).

export type XmlNode = XmlElement | string;

export interface XmlElement {
  /** "prefix:local". */
  readonly name: string;
  /** Namespace declarations on this element: prefix -> URI. */
  readonly xmlns: Readonly<Record<string, string>>;
  /** Attributes in document order: plain names ("ID") or prefixed ("xsi:type"). */
  readonly attributes: ReadonlyArray<readonly [string, string]>;
  readonly children: XmlNode[];
}

const QNAME = /^[A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*$/;
const NAME = /^(?:[A-Za-z_][\w.-]*:)?[A-Za-z_][\w.-]*$/;

/**
 * An element. `attributes` keeps its order; an undefined or null value leaves the attribute out,
 * so optional attributes read inline.
 */
export function element(
  name: string,
  attributes: Record<string, string | null | undefined> = {},
  children: XmlNode[] = [],
  xmlns: Record<string, string> = {},
): XmlElement {
  if (!QNAME.test(name)) throw new Error(`XML element name "${name}" must be prefixed`);
  const kept: Array<readonly [string, string]> = [];
  for (const [attribute, value] of Object.entries(attributes)) {
    if (!NAME.test(attribute) || attribute.startsWith('xmlns'))
      throw new Error(`bad XML attribute name "${attribute}"`);
    if (value !== undefined && value !== null) kept.push([attribute, value]);
  }
  return { name, xmlns, attributes: kept, children };
}

/** The ID attribute of an element (what a signature's Reference names). */
export function idOf(node: XmlElement): string {
  const id = node.attributes.find(([name]) => name === 'ID')?.[1];
  if (!id) throw new Error(`${node.name} has no ID`);
  return id;
}

// Escaping as the document is written, and as canonicalization requires (c14n 1.0 section 2.3).
// The document escapes tab, newline and carriage return in attribute values, and carriage return
// in text, as character references: a parser would otherwise normalize them (to spaces, or CR to
// LF) and the canonical form it computes would no longer match the digest.
const DOCUMENT_TEXT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const DOCUMENT_ATTRIBUTE: Record<string, string> = { ...DOCUMENT_TEXT, '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;' };
const C14N_TEXT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const C14N_ATTRIBUTE: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '"': '&quot;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};

/** Characters XML 1.0 cannot carry (controls, lone surrogates, U+FFFE/FFFF) become U+FFFD, in both forms alike. */
const NOT_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const escapeWith = (table: Record<string, string>, pattern: RegExp) => (value: string) =>
  value.replace(NOT_XML, '\uFFFD').replace(pattern, (c) => table[c]!);
const documentText = escapeWith(DOCUMENT_TEXT, /[&<>\r]/g);
const documentAttribute = escapeWith(DOCUMENT_ATTRIBUTE, /[&<>"\t\n\r]/g);
const c14nText = escapeWith(C14N_TEXT, /[&<>\r]/g);
const c14nAttribute = escapeWith(C14N_ATTRIBUTE, /[&<"\t\n\r]/g);

/** The document form: declarations first, attributes in their order, empty elements closed short. */
export function serialize(node: XmlNode): string {
  if (typeof node === 'string') return documentText(node);
  const declarations = Object.entries(node.xmlns).map(
    ([prefix, uri]) => ` xmlns:${prefix}="${documentAttribute(uri)}"`,
  );
  const attributes = node.attributes.map(([name, value]) => ` ${name}="${documentAttribute(value)}"`);
  const open = `<${node.name}${declarations.join('')}${attributes.join('')}`;
  if (node.children.length === 0) return `${open}/>`;
  return `${open}>${node.children.map(serialize).join('')}</${node.name}>`;
}

const prefixOf = (name: string): string | undefined =>
  name.includes(':') ? name.slice(0, name.indexOf(':')) : undefined;

/**
 * Exclusive canonical form of `node` as the apex of a signed subtree. `inScope` holds the
 * namespace declarations of its ancestors in the document (none are rendered for them: exclusive
 * canonicalization renders a declaration only where a name visibly uses it).
 */
export function canonicalize(node: XmlElement, inScope: Readonly<Record<string, string>> = {}): string {
  return canonical(node, { ...inScope }, {});
}

function canonical(
  node: XmlElement,
  inScope: Record<string, string>,
  rendered: Readonly<Record<string, string>>,
): string {
  const scope = { ...inScope, ...node.xmlns };
  const used = new Set([prefixOf(node.name)!, ...node.attributes.flatMap(([name]) => prefixOf(name) ?? [])]);
  const nowRendered: Record<string, string> = { ...rendered };
  const declarations: string[] = [];
  for (const prefix of [...used].sort()) {
    const uri = scope[prefix];
    if (uri === undefined) throw new Error(`XML prefix "${prefix}" of ${node.name} is not declared`);
    if (rendered[prefix] === uri) continue;
    nowRendered[prefix] = uri;
    declarations.push(` xmlns:${prefix}="${c14nAttribute(uri)}"`);
  }
  const attributes = [...node.attributes]
    .map(([name, value]) => ({
      name,
      value,
      uri: prefixOf(name) ? scope[prefixOf(name)!]! : '',
      local: name.slice(name.indexOf(':') + 1),
    }))
    .sort((a, b) => compare(a.uri, b.uri) || compare(a.local, b.local))
    .map(({ name, value }) => ` ${name}="${c14nAttribute(value)}"`);
  const content = node.children.map((child) =>
    typeof child === 'string' ? c14nText(child) : canonical(child, scope, nowRendered),
  );
  return `<${node.name}${declarations.join('')}${attributes.join('')}>${content.join('')}</${node.name}>`;
}

/** UTF-16 code unit order, as canonicalizers compare names (not locale order). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
