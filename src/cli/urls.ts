import type { LatchConfig } from '../config/schema.ts';
import { SAML_PATHS } from '../idp/saml/idp-identity.ts';

// Every endpoint an integrator needs, as `latch urls` prints them. Front ends add their own lines.
export function endpointList(config: LatchConfig): Array<[string, string]> {
  const base = config.server.baseUrl;
  return [
    ['Account page (sign in / sign out)', `${base}/`],
    ['Sign-in prompt', `${base}/login`],
    ['Latch Authenticator (phone web app)', `${base}/authenticator/`],
    ['Health', `${base}/healthz`],
    ['Readiness', `${base}/readyz`],
    ['Prometheus metrics', `${base}/metrics`],
    ...(config.saml.enabled ? samlUrls(config) : []),
  ];
}

function samlUrls(config: LatchConfig): Array<[string, string]> {
  const base = config.server.baseUrl;
  return [
    ['SAML IdP entity ID', config.saml.entityId ?? `${base}${SAML_PATHS.metadata}`],
    ['SAML IdP metadata (?download=1 for a file)', `${base}${SAML_PATHS.metadata}`],
    ['SAML signing certificate (PEM)', `${base}${SAML_PATHS.certificate}`],
    ['SAML single sign-on (Redirect, POST)', `${base}${SAML_PATHS.sso}`],
    ['SAML single logout (Redirect, POST)', `${base}${SAML_PATHS.slo}`],
    ['SAML IdP-initiated sign-in', `${base}${SAML_PATHS.init}?sp=ENTITY_ID&RelayState=…`],
  ];
}

export function formatUrls(config: LatchConfig): string {
  const rows = endpointList(config);
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, url]) => `${label.padEnd(width)}  ${url}`).join('\n');
}
