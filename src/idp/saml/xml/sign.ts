import { createHash, createSign, type KeyObject } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { ALG, NS, SIGNATURE_ALGORITHMS, type SignatureAlgorithmName } from './namespaces.ts';
import { canonicalize, element, idOf, type XmlElement } from './tree.ts';

// Signing what Latch emits: an enveloped signature over one element (by its ID), placed right
// after that element's Issuer as the SAML schema requires; and HTTP-Redirect query signatures.
// What Latch builds as a tree (tree.ts) is signed without parsing anything: the digest is taken
// over the element's canonical form, SignedInfo is built and canonicalized the same way, and one
// RSA operation signs it. signElement, over text, is for what is not built as a tree (metadata).

export interface SignerKey {
  privateKeyPem: string;
  certificatePem: string;
  /** The parsed key, when the caller has it: saves parsing the PEM on every signature. */
  privateKey?: KeyObject;
}

/** KeyInfo with the signing certificate, built from the PEM text without parsing it each time. */
function keyInfoContent(certificatePem: string): (args?: { prefix?: string | null }) => string {
  const body = certificatePem.replace(/-----[^-]+-----|\s+/g, '');
  return (args) => {
    const p = args?.prefix ? `${args.prefix}:` : '';
    return `<${p}X509Data><${p}X509Certificate>${body}</${p}X509Certificate></${p}X509Data>`;
  };
}

/**
 * The element with an enveloped signature over it (exclusive c14n, by its ID) inserted after its
 * Issuer. `inScope`: namespace declarations of the ancestors it will sit under.
 */
export function signTree(
  node: XmlElement,
  key: SignerKey,
  algorithm: SignatureAlgorithmName,
  inScope: Record<string, string> = {},
): XmlElement {
  const alg = SIGNATURE_ALGORITHMS[algorithm];
  const digest = createHash(alg.hash).update(canonicalize(node, inScope)).digest('base64');
  const signedInfo = element('ds:SignedInfo', {}, [
    element('ds:CanonicalizationMethod', { Algorithm: ALG.excC14n }),
    element('ds:SignatureMethod', { Algorithm: alg.uri }),
    element('ds:Reference', { URI: `#${idOf(node)}` }, [
      element('ds:Transforms', {}, [
        element('ds:Transform', { Algorithm: ALG.enveloped }),
        element('ds:Transform', { Algorithm: ALG.excC14n }),
      ]),
      element('ds:DigestMethod', { Algorithm: alg.digestUri }),
      element('ds:DigestValue', {}, [digest]),
    ]),
  ]);
  const value = createSign(alg.hash)
    .update(canonicalize(signedInfo, { ds: NS.dsig }))
    .sign(key.privateKey ?? key.privateKeyPem, 'base64');
  const certificate = key.certificatePem.replace(/-----[^-]+-----|\s+/g, '');
  const signature = element(
    'ds:Signature',
    {},
    [
      signedInfo,
      element('ds:SignatureValue', {}, [value]),
      element('ds:KeyInfo', {}, [element('ds:X509Data', {}, [element('ds:X509Certificate', {}, [certificate])])]),
    ],
    { ds: NS.dsig },
  );
  const issuer = node.children.findIndex((child) => typeof child !== 'string' && child.name.endsWith(':Issuer'));
  const children = [...node.children];
  children.splice(issuer + 1, 0, signature);
  return { ...node, children };
}

/**
 * Signs the element with ID `id` inside `xml` and returns the new document text. The signature goes
 * right after the element's Issuer, or first inside it when it has none (metadata).
 */
export function signElement(
  xml: string,
  id: string,
  key: SignerKey,
  algorithm: SignatureAlgorithmName,
  placement: 'after-issuer' | 'first' = 'after-issuer',
): string {
  const alg = SIGNATURE_ALGORITHMS[algorithm];
  const signer = new SignedXml({
    privateKey: key.privateKey ?? key.privateKeyPem,
    publicCert: key.certificatePem,
    getKeyInfoContent: keyInfoContent(key.certificatePem),
    signatureAlgorithm: alg.uri,
    canonicalizationAlgorithm: ALG.excC14n,
  });
  signer.addReference({
    xpath: `//*[@ID='${id}']`,
    transforms: [ALG.enveloped, ALG.excC14n],
    digestAlgorithm: alg.digestUri,
  });
  signer.computeSignature(xml, {
    prefix: 'ds',
    location:
      placement === 'first'
        ? { reference: `//*[@ID='${id}']`, action: 'prepend' }
        : { reference: `//*[@ID='${id}']/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return signer.getSignedXml();
}

/**
 * HTTP-Redirect binding: the query string for `param` (SAMLRequest or SAMLResponse) with SigAlg
 * and Signature over the exact encoded octets "param=…&RelayState=…&SigAlg=…".
 */
export function signedRedirectQuery(
  param: 'SAMLRequest' | 'SAMLResponse',
  encodedMessage: string,
  relayState: string | undefined,
  key: SignerKey,
  algorithm: SignatureAlgorithmName,
): string {
  const alg = SIGNATURE_ALGORITHMS[algorithm];
  let query = `${param}=${encodeURIComponent(encodedMessage)}`;
  if (relayState !== undefined) query += `&RelayState=${encodeURIComponent(relayState)}`;
  query += `&SigAlg=${encodeURIComponent(alg.uri)}`;
  const signature = createSign(alg.hash)
    .update(query)
    .sign(key.privateKey ?? key.privateKeyPem, 'base64');
  return `${query}&Signature=${encodeURIComponent(signature)}`;
}
