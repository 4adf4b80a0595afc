import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { html, type Html } from '../../util/html.ts';
import { layout } from '../../ui/layout.ts';
import { SamlError } from './status.ts';
import { signedRedirectQuery, type SignerKey } from './xml/sign.ts';
import type { SignatureAlgorithmName } from './xml/namespaces.ts';

// HTTP-Redirect (deflated, base64, in the query) and HTTP-POST (base64 in an auto-submitted form).
// Decoding is bounded: an inflated message larger than the XML limit is refused, not inflated.

const MAX_MESSAGE_BYTES = 256 * 1024;

export type MessageParam = 'SAMLRequest' | 'SAMLResponse';

export function decodeRedirect(value: string): string {
  const bytes = base64(value);
  try {
    return inflateRawSync(bytes, { maxOutputLength: MAX_MESSAGE_BYTES }).toString('utf8');
  } catch (err) {
    throw new SamlError('The sign-in request could not be read.', `HTTP-Redirect message does not inflate: ${(err as Error).message}`);
  }
}

export function decodePost(value: string): string {
  return base64(value).toString('utf8');
}

function base64(value: string): Buffer {
  const compact = value.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw new SamlError('The sign-in request could not be read.', 'SAML message is not base64');
  }
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > MAX_MESSAGE_BYTES) throw new SamlError('The sign-in request is too large.', `SAML message of ${bytes.length} bytes`);
  return bytes;
}

/** The page that posts a SAML message to an SP (script in /static, so the CSP stays strict). */
export function postFormPage(url: string, param: MessageParam, xml: string, relayState: string | undefined): Html {
  const encoded = Buffer.from(xml, 'utf8').toString('base64');
  return layout(
    'Continuing',
    html`<form method="post" action="${url}" id="saml-post">
<input type="hidden" name="${param}" value="${encoded}">
${relayState !== undefined ? html`<input type="hidden" name="RelayState" value="${relayState}">` : ''}
<p>Continuing to the application…</p>
<noscript><button type="submit">Continue</button></noscript>
</form>`,
    { script: 'saml-post.js' },
  );
}

/** An HTTP-Redirect URL carrying a SAML message, signed when a key is given. */
export function redirectUrl(url: string, param: MessageParam, xml: string, relayState: string | undefined, signing?: { key: SignerKey; algorithm: SignatureAlgorithmName }): string {
  const encoded = deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64');
  const query = signing
    ? signedRedirectQuery(param, encoded, relayState, signing.key, signing.algorithm)
    : `${param}=${encodeURIComponent(encoded)}${relayState !== undefined ? `&RelayState=${encodeURIComponent(relayState)}` : ''}`;
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}
