import { XmlRejected } from './parse.ts';
import { signatureHash, verifiesWithAny, type SignatureTrust } from './verify-signed-element.ts';

// HTTP-Redirect binding signatures (SAML Bindings §3.4.4.1): SigAlg and Signature cover the raw,
// still URL-encoded query parameters in a fixed order, exactly as the SP sent them. Re-encoding
// decoded values would verify something the SP never signed, so we split the raw query ourselves.

export interface RawQuery {
  /** Decoded values by name. */
  values: Map<string, string>;
  /** Raw (encoded) values by name, as received. */
  raw: Map<string, string>;
}

/** Splits a raw query string; a SAML parameter given twice is refused. */
export function parseRawQuery(query: string): RawQuery {
  const values = new Map<string, string>();
  const raw = new Map<string, string>();
  for (const pair of query.replace(/^\?/, '').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    if (raw.has(name)) throw new XmlRejected(`query parameter ${name} appears more than once`);
    raw.set(name, value);
    values.set(name, decode(value));
  }
  return { values, raw };
}

/** True when the query carries a Signature; throws XmlRejected when it carries a bad one. */
export function verifyRedirectSignature(
  query: RawQuery,
  param: 'SAMLRequest' | 'SAMLResponse',
  trust: SignatureTrust,
): boolean {
  const signature = query.values.get('Signature');
  const sigAlg = query.values.get('SigAlg');
  if (signature === undefined && sigAlg === undefined) return false;
  if (signature === undefined || sigAlg === undefined)
    throw new XmlRejected('SigAlg and Signature must be sent together');
  if (trust.certificates.length === 0) throw new XmlRejected('no certificate is configured to verify this signature');
  const hash = signatureHash(sigAlg, trust.allowSha1 ?? false);
  const message = query.raw.get(param);
  if (message === undefined) throw new XmlRejected(`${param} is missing`);
  let signed = `${param}=${message}`;
  if (query.raw.has('RelayState')) signed += `&RelayState=${query.raw.get('RelayState')}`;
  signed += `&SigAlg=${query.raw.get('SigAlg')}`;
  if (!verifiesWithAny(hash, signed, Buffer.from(signature, 'base64'), trust.certificates)) {
    throw new XmlRejected('query signature does not verify with any configured certificate');
  }
  return true;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw new XmlRejected('query string is not valid percent-encoding');
  }
}
