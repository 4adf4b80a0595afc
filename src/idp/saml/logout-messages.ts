import type { SigningKey } from '../../keys/contract.ts';
import { postFormPage, redirectUrl } from './bindings.ts';
import type { SamlSessionData } from './idp.ts';
import { NAMEID_FORMAT } from './name-id.ts';
import type { ServiceProvider } from './registry.ts';
import { newId, statusTree } from './response.ts';
import type { SloEndpoint } from './sp-metadata.ts';
import type { SamlStatus } from './status.ts';
import { NS } from './xml/namespaces.ts';
import { signTree } from './xml/sign.ts';
import { element, serialize, type XmlElement } from './xml/tree.ts';

// LogoutRequest and LogoutResponse that Latch sends to SPs, always signed: over the query for
// HTTP-Redirect, as an enveloped signature for HTTP-POST.

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** How the browser is sent on: a redirect URL, or a page that posts. */
export type Delivery = { redirect: string } | { page: string };

export function logoutRequestXml(
  id: string,
  idpEntityId: string,
  destination: string,
  data: SamlSessionData,
  now: number,
): XmlElement {
  const nameId = element(
    'saml:NameID',
    { Format: NAMEID_FORMAT[data.format], NameQualifier: data.nameQualifier, SPNameQualifier: data.spNameQualifier },
    [data.nameId],
  );
  return element(
    'samlp:LogoutRequest',
    { ID: id, Version: '2.0', IssueInstant: iso(now), Destination: destination, NotOnOrAfter: iso(now + 300_000) },
    [element('saml:Issuer', {}, [idpEntityId]), nameId, element('samlp:SessionIndex', {}, [data.sessionIndex])],
    { samlp: NS.protocol, saml: NS.assertion },
  );
}

export function logoutResponseXml(
  idpEntityId: string,
  destination: string,
  inResponseTo: string,
  status: SamlStatus,
  now: number,
): XmlElement {
  return element(
    'samlp:LogoutResponse',
    { ID: newId(), Version: '2.0', IssueInstant: iso(now), Destination: destination, InResponseTo: inResponseTo },
    [element('saml:Issuer', {}, [idpEntityId]), statusTree(status)],
    { samlp: NS.protocol, saml: NS.assertion },
  );
}

/** The SP's SLO endpoint, preferring HTTP-Redirect. */
export function sloEndpoint(sp: ServiceProvider): SloEndpoint | undefined {
  return sp.slo.find((e) => e.binding === 'redirect') ?? sp.slo[0];
}

export function deliver(
  endpoint: SloEndpoint,
  url: string,
  param: 'SAMLRequest' | 'SAMLResponse',
  message: XmlElement,
  relayState: string | undefined,
  sp: ServiceProvider,
  key: SigningKey,
): Delivery {
  const signer = { privateKeyPem: key.privateKeyPem, certificatePem: key.certificatePem!, privateKey: key.privateKey };
  const algorithm = sp.options.signatureAlgorithm;
  if (endpoint.binding === 'redirect')
    return { redirect: redirectUrl(url, param, serialize(message), relayState, { key: signer, algorithm }) };
  return { page: postFormPage(url, param, serialize(signTree(message, signer, algorithm)), relayState).text };
}
