import { createVerify, timingSafeEqual, createHash, X509Certificate } from 'node:crypto';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { ALG, DIGEST_HASHES, NS, SIGNATURE_ALGORITHMS } from './namespaces.ts';
import {
  XmlRejected,
  allElements,
  attr,
  childElements,
  requiredChild,
  textOf,
  type XmlDocument,
  type XmlElement,
} from './parse.ts';

// Our own check of an enveloped XML signature. Libraries that verify "some signature somewhere"
// and then let the caller read another element were broken by signature wrapping again and again
// (samlify #634 / GHSA-63ch-w8pw-4mf2, CVE-2025-47949, xml-crypto CVE-2025-29774/29775,
// CVE-2024-32962). Here the caller names the element it will read; that exact element must carry
// exactly one signature as a direct child, whose only Reference points at its own unique ID, with
// only enveloped-signature + exclusive c14n, allowed algorithms, and a key from configuration.
// KeyInfo is never looked at. xml-crypto is used only to canonicalize.

export interface SignatureTrust {
  /** PEM certificates from configuration (SP metadata); the signature must verify with one of them. */
  certificates: string[];
  /** Accept RSA-SHA1 / SHA-1 digests (only when an operator set it for this peer). */
  allowSha1?: boolean;
}

const ID_ATTRIBUTES = ['ID', 'Id', 'id'];

/** The enveloped signature directly under `element`, if any (more than one is refused). */
export function envelopedSignature(element: XmlElement): XmlElement | undefined {
  const signatures = childElements(element, NS.dsig, 'Signature');
  if (signatures.length > 1) throw new XmlRejected(`<${element.localName}> carries ${signatures.length} signatures`);
  return signatures[0];
}

/** Throws XmlRejected unless `element` is signed as described above. */
export function verifySignedElement(doc: XmlDocument, element: XmlElement, trust: SignatureTrust): void {
  if (trust.certificates.length === 0) throw new XmlRejected('no certificate is configured to verify this signature');
  const id = attr(element, 'ID');
  if (!id) throw new XmlRejected(`signed <${element.localName}> has no ID attribute`);
  requireUniqueIds(doc);
  const signature = envelopedSignature(element);
  if (!signature) throw new XmlRejected(`<${element.localName}> is not signed`);

  const parts = childElements(signature);
  const names = parts.map((p) => (p.namespaceURI === NS.dsig ? p.localName : `{${p.namespaceURI}}${p.localName}`));
  if (
    names[0] !== 'SignedInfo' ||
    names[1] !== 'SignatureValue' ||
    names.slice(2).some((n) => n !== 'KeyInfo') ||
    names.length > 3
  ) {
    throw new XmlRejected(`unexpected signature structure: ${names.join(', ')}`);
  }
  const signedInfo = parts[0]!;
  const c14nMethod = requiredChild(signedInfo, NS.dsig, 'CanonicalizationMethod');
  if (attr(c14nMethod, 'Algorithm') !== ALG.excC14n) {
    throw new XmlRejected(`canonicalization ${attr(c14nMethod, 'Algorithm')} is not allowed (expected ${ALG.excC14n})`);
  }
  const signatureMethod = attr(requiredChild(signedInfo, NS.dsig, 'SignatureMethod'), 'Algorithm') ?? '';
  const hash = signatureHash(signatureMethod, trust.allowSha1 ?? false);

  const references = childElements(signedInfo, NS.dsig, 'Reference');
  if (references.length !== 1)
    throw new XmlRejected(`signature has ${references.length} references; exactly one is allowed`);
  const reference = references[0]!;
  if (attr(reference, 'URI') !== `#${id}`) {
    throw new XmlRejected(
      `signature reference ${JSON.stringify(attr(reference, 'URI'))} does not point at the signed element (#${id})`,
    );
  }
  const prefixList = checkTransforms(reference);
  const digestMethod = attr(requiredChild(reference, NS.dsig, 'DigestMethod'), 'Algorithm') ?? '';
  const digestHash = DIGEST_HASHES[digestMethod];
  if (!digestHash || (digestHash === 'sha1' && !trust.allowSha1))
    throw new XmlRejected(`digest algorithm ${digestMethod} is not allowed`);
  const expectedDigest = Buffer.from(
    textOf(requiredChild(reference, NS.dsig, 'DigestValue')).replace(/\s+/g, ''),
    'base64',
  );

  const actualDigest = createHash(digestHash)
    .update(canonicalWithoutSignature(element, signature, prefixList))
    .digest();
  if (actualDigest.length !== expectedDigest.length || !timingSafeEqual(actualDigest, expectedDigest)) {
    throw new XmlRejected('signature digest does not match the signed element');
  }

  const signedInfoC14n = canonicalize(signedInfo, inclusivePrefixes(c14nMethod));
  const signatureValue = Buffer.from(textOf(parts[1]!).replace(/\s+/g, ''), 'base64');
  if (!verifiesWithAny(hash, signedInfoC14n, signatureValue, trust.certificates)) {
    throw new XmlRejected('signature does not verify with any configured certificate');
  }
}

export function signatureHash(algorithmUri: string, allowSha1: boolean): string {
  const found = Object.values(SIGNATURE_ALGORITHMS).find((a) => a.uri === algorithmUri);
  if (!found || (found.hash === 'sha1' && !allowSha1))
    throw new XmlRejected(`signature algorithm ${algorithmUri} is not allowed`);
  return found.hash;
}

export function verifiesWithAny(
  hash: string,
  data: string | Buffer,
  signature: Buffer,
  certificates: string[],
): boolean {
  return certificates.some((pem) => {
    const key = new X509Certificate(pem).publicKey;
    return createVerify(hash).update(data).verify(key, signature);
  });
}

function requireUniqueIds(doc: XmlDocument): void {
  const seen = new Set<string>();
  for (const el of allElements(doc)) {
    for (const name of ID_ATTRIBUTES) {
      const value = attr(el, name);
      if (value === undefined) continue;
      if (seen.has(value)) throw new XmlRejected(`ID ${JSON.stringify(value)} appears more than once`);
      seen.add(value);
    }
  }
}

/** Exactly enveloped-signature then exclusive c14n (no comments); returns its InclusiveNamespaces list. */
function checkTransforms(reference: XmlElement): string[] {
  const transformsEl = requiredChild(reference, NS.dsig, 'Transforms');
  const transforms = childElements(transformsEl);
  const algorithms = transforms.map((t) => attr(t, 'Algorithm'));
  if (transforms.length !== 2 || algorithms[0] !== ALG.enveloped || algorithms[1] !== ALG.excC14n) {
    throw new XmlRejected(
      `signature transforms ${JSON.stringify(algorithms)} are not allowed (expected enveloped-signature, exc-c14n)`,
    );
  }
  return inclusivePrefixes(transforms[1]!);
}

function inclusivePrefixes(method: XmlElement): string[] {
  const inclusive = childElements(method, ALG.excC14n, 'InclusiveNamespaces')[0];
  return (inclusive && attr(inclusive, 'PrefixList')?.split(/\s+/).filter(Boolean)) || [];
}

function canonicalWithoutSignature(element: XmlElement, signature: XmlElement, prefixList: string[]): string {
  const index = Array.from(element.childNodes).indexOf(signature);
  const copy = element.cloneNode(true) as XmlElement;
  copy.removeChild(copy.childNodes[index]!);
  return canonicalize(copy, prefixList, element);
}

function canonicalize(node: XmlElement, prefixList: string[], original: XmlElement = node): string {
  const copy = node === original ? (node.cloneNode(true) as XmlElement) : node;
  return new ExclusiveCanonicalization().process(copy as unknown as Element, {
    inclusiveNamespacesPrefixList: prefixList,
    ancestorNamespaces: ancestorNamespaces(original),
  });
}

function ancestorNamespaces(el: XmlElement): Array<{ prefix: string; namespaceURI: string }> {
  const found = new Map<string, string>();
  for (let node = el.parentNode; node && node.nodeType === 1; node = node.parentNode) {
    for (const a of Array.from((node as XmlElement).attributes)) {
      if (a.prefix === 'xmlns' && !found.has(a.localName!)) found.set(a.localName!, a.value);
    }
  }
  return [...found].map(([prefix, namespaceURI]) => ({ prefix, namespaceURI }));
}
