// Which RelayState IdP-initiated sign-in may post to an SP. SPs such as Shibboleth send the
// browser to it after the sign-in, so anything else would make /saml2/idp/init an open redirect
// at the SP: only a path on the SP, or an absolute URL on an origin the SP's options allow.

const PROBE_ORIGIN = 'https://sp.invalid';

/** True when `relayState` is a path on the SP or a URL on one of `allowedOrigins` (normalized origins). */
export function relayStateAllowed(relayState: string, allowedOrigins: readonly string[]): boolean {
  // URL parsers drop tabs and newlines and read "\" as "/": "/\t/evil" is "//evil" to a browser.
  if (/[\u0000-\u0020\u007f\\]/.test(relayState)) return false;
  if (relayState.startsWith('/')) {
    return !relayState.startsWith('//') && new URL(relayState, PROBE_ORIGIN).origin === PROBE_ORIGIN;
  }
  if (!URL.canParse(relayState)) return false;
  const url = new URL(relayState);
  return (url.protocol === 'https:' || url.protocol === 'http:') && allowedOrigins.includes(url.origin);
}
