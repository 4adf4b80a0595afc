import { createSign, type KeyObject } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { ALG, SIGNATURE_ALGORITHMS, type SignatureAlgorithmName } from './namespaces.ts';

// Signing what Latch emits: an enveloped signature over one element (by its ID), placed right
// after that element's Issuer as the SAML schema requires; and HTTP-Redirect query signatures.

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
 * Signs the element with ID `id` inside `xml` and returns the new document text. The signature goes
 * right after the element's Issuer, or first inside it when it has none (metadata).
 */
export function signElement(xml: string, id: string, key: SignerKey, algorithm: SignatureAlgorithmName, placement: 'after-issuer' | 'first' = 'after-issuer'): string {
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
  const signature = createSign(alg.hash).update(query).sign(key.privateKey ?? key.privateKeyPem, 'base64');
  return `${query}&Signature=${encodeURIComponent(signature)}`;
}
