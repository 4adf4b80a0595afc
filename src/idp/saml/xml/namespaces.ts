// XML namespaces and algorithm URIs used by SAML 2.0 and XML Signature.

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xs: 'http://www.w3.org/2001/XMLSchema',
  shibmd: 'urn:mace:shibboleth:metadata:1.0',
} as const;

export const ALG = {
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha512: 'http://www.w3.org/2001/04/xmlenc#sha512',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;

/** The signature algorithms Latch accepts or emits, by their short config name. */
export type SignatureAlgorithmName = 'rsa-sha256' | 'rsa-sha512' | 'rsa-sha1';

export const SIGNATURE_ALGORITHMS: Record<SignatureAlgorithmName, { uri: string; digestUri: string; hash: string }> = {
  'rsa-sha256': { uri: ALG.rsaSha256, digestUri: ALG.sha256, hash: 'sha256' },
  'rsa-sha512': { uri: ALG.rsaSha512, digestUri: ALG.sha512, hash: 'sha512' },
  'rsa-sha1': { uri: ALG.rsaSha1, digestUri: ALG.sha1, hash: 'sha1' },
};

export const DIGEST_HASHES: Record<string, string> = {
  [ALG.sha256]: 'sha256',
  [ALG.sha512]: 'sha512',
  [ALG.sha1]: 'sha1',
};
