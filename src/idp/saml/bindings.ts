import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { html, type Html } from '../../util/html.ts';
import { layout } from '../../ui/layout.ts';
import { SamlError } from './status.ts';
import { signedRedirectQuery, type SignerKey } from './xml/sign.ts';
import type { SignatureAlgorithmName } from './xml/namespaces.ts';

// HTTP-Redirect (deflated, base64, in the query) and HTTP-POST (base64 in an auto-submitted form).
// Decoding is bounded by saml.maxMessageBytes: a message larger than that is refused before it is
// decoded, and a deflated one is inflated only up to the limit (a small query can inflate to
// gigabytes), never further.

export type MessageParam = 'SAMLRequest' | 'SAMLResponse';

const TOO_LARGE = 'The message from the application is too large.';

export function decodeRedirect(value: string, maxBytes: number): string {
  const bytes = base64(value, maxBytes);
  try {
    return inflateRawSync(bytes, { maxOutputLength: maxBytes }).toString('utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      const detail = `HTTP-Redirect message inflates to more than the limit of ${maxBytes} bytes (saml.maxMessageBytes)`;
      throw new SamlError(TOO_LARGE, detail);
    }
    throw new SamlError(
      'The request could not be read.',
      `HTTP-Redirect message does not inflate: ${(err as Error).message}`,
    );
  }
}

export function decodePost(value: string, maxBytes: number): string {
  return base64(value, maxBytes).toString('utf8');
}

/**
 * The largest form that can carry a POSTed message of maxBytes: base64 (4/3 of it) with room for
 * %-encoded "+", "/" and line breaks, and RelayState; never more than server.maxBodyBytes.
 */
export function postFormLimit(maxMessageBytes: number, maxBodyBytes: number): number {
  return Math.min(maxBodyBytes, 2 * Math.ceil(maxMessageBytes / 3) * 4 + 8 * 1024);
}

function base64(value: string, maxBytes: number): Buffer {
  const compact = value.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw new SamlError('The request could not be read.', 'SAML message is not base64');
  }
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > maxBytes) {
    const detail = `SAML message is ${bytes.length} bytes, more than the limit of ${maxBytes} (saml.maxMessageBytes)`;
    throw new SamlError(TOO_LARGE, detail);
  }
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
export function redirectUrl(
  url: string,
  param: MessageParam,
  xml: string,
  relayState: string | undefined,
  signing?: { key: SignerKey; algorithm: SignatureAlgorithmName },
): string {
  const encoded = deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64');
  const query = signing
    ? signedRedirectQuery(param, encoded, relayState, signing.key, signing.algorithm)
    : `${param}=${encodeURIComponent(encoded)}${relayState !== undefined ? `&RelayState=${encodeURIComponent(relayState)}` : ''}`;
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}
