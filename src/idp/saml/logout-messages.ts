import type { SigningKey } from '../../keys/contract.ts';
import { postFormPage, redirectUrl } from './bindings.ts';
import type { SamlSessionData } from './idp.ts';
import { NAMEID_FORMAT } from './name-id.ts';
import type { ServiceProvider } from './registry.ts';
import { newId, statusXml } from './response.ts';
import type { SloEndpoint } from './sp-metadata.ts';
import type { SamlStatus } from './status.ts';
import { xmlEscape } from './xml/escape.ts';
import { NS } from './xml/namespaces.ts';
import { signElement } from './xml/sign.ts';

// LogoutRequest and LogoutResponse that Latch sends to SPs, always signed: over the query for
// HTTP-Redirect, as an enveloped signature for HTTP-POST.

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** How the browser is sent on: a redirect URL, or a page that posts. */
export type Delivery = { redirect: string } | { page: string };

export function logoutRequestXml(id: string, idpEntityId: string, destination: string, data: SamlSessionData, now: number): string {
  const qualifiers = (data.nameQualifier ? ` NameQualifier="${xmlEscape(data.nameQualifier)}"` : '') + (data.spNameQualifier ? ` SPNameQualifier="${xmlEscape(data.spNameQualifier)}"` : '');
  return (
    `<samlp:LogoutRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${id}" Version="2.0" IssueInstant="${iso(now)}" ` +
    `Destination="${xmlEscape(destination)}" NotOnOrAfter="${iso(now + 300_000)}"><saml:Issuer>${xmlEscape(idpEntityId)}</saml:Issuer>` +
    `<saml:NameID Format="${NAMEID_FORMAT[data.format]}"${qualifiers}>${xmlEscape(data.nameId)}</saml:NameID>` +
    `<samlp:SessionIndex>${xmlEscape(data.sessionIndex)}</samlp:SessionIndex></samlp:LogoutRequest>`
  );
}

export function logoutResponseXml(idpEntityId: string, destination: string, inResponseTo: string, status: SamlStatus, now: number): string {
  return (
    `<samlp:LogoutResponse xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${newId()}" Version="2.0" IssueInstant="${iso(now)}" ` +
    `Destination="${xmlEscape(destination)}" InResponseTo="${xmlEscape(inResponseTo)}"><saml:Issuer>${xmlEscape(idpEntityId)}</saml:Issuer>` +
    `${statusXml(status)}</samlp:LogoutResponse>`
  );
}

/** The SP's SLO endpoint, preferring HTTP-Redirect. */
export function sloEndpoint(sp: ServiceProvider): SloEndpoint | undefined {
  return sp.slo.find((e) => e.binding === 'redirect') ?? sp.slo[0];
}

export function deliver(endpoint: SloEndpoint, url: string, param: 'SAMLRequest' | 'SAMLResponse', xml: string, relayState: string | undefined, sp: ServiceProvider, key: SigningKey): Delivery {
  const signer = { privateKeyPem: key.privateKeyPem, certificatePem: key.certificatePem!, privateKey: key.privateKey };
  if (endpoint.binding === 'redirect') return { redirect: redirectUrl(url, param, xml, relayState, { key: signer, algorithm: sp.options.signatureAlgorithm }) };
  const id = xml.match(/ ID="([^"]+)"/)![1]!;
  return { page: postFormPage(url, param, signElement(xml, id, signer, sp.options.signatureAlgorithm), relayState).text };
}
