import { isIP } from 'node:net';
import type { WebAuthnConfig } from '../../config/webauthn.ts';

// Whether browsers will run WebAuthn for Latch's public URL at all. They refuse it on an IP
// address, outside a secure context (http:// anywhere but localhost), and for an RP ID that is not
// the page's host or a domain the host is in. With such a setting every passkey and security key
// fails with a vague "nothing was registered", so Latch says at start what to change, and offers
// no WebAuthn options until it is changed.

const isLocalhost = (host: string) => host === 'localhost' || host.endsWith('.localhost');

/** What is wrong, naming the setting and what to use instead; undefined when WebAuthn can work. */
export function webauthnOriginProblem(config: Pick<WebAuthnConfig, 'rpId'>, baseUrl: string): string | undefined {
  const url = new URL(baseUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? `:${url.port}` : '';
  if (isIP(host)) {
    return `server.baseUrl is ${url.origin}, an IP address, where browsers refuse passkeys and security keys: use a host name instead, such as ${url.protocol}//localhost${port} on this machine or the server's DNS name`;
  }
  if (url.protocol === 'http:' && !isLocalhost(host)) {
    return `server.baseUrl is ${url.origin}: browsers allow passkeys and security keys only over https (or on localhost): use https://${host}${port} (server.tls, or a TLS proxy)`;
  }
  const rpId = config.rpId;
  if (
    rpId !== undefined &&
    rpId !== host &&
    !(host.endsWith(`.${rpId}`) && (rpId.includes('.') || isLocalhost(rpId)))
  ) {
    const parent = host.split('.').slice(1).join('.');
    const suggestion = parent.includes('.') ? `${host} or ${parent}` : host;
    return `webauthn.rpId is "${rpId}", which is not the host of server.baseUrl (${host}) nor a domain it is in: use ${suggestion}, or leave webauthn.rpId unset`;
  }
  return undefined;
}
