import { NS } from './xml/namespaces.ts';
import {
  XmlRejected,
  attr,
  childElements,
  parseXml,
  textOf,
  type XmlDocument,
  type XmlElement,
  type XmlLimits,
} from './xml/parse.ts';
import { envelopedSignature, verifySignedElement } from './xml/verify-signed-element.ts';

// Reads what Latch needs from an SP's metadata: entity ID, ACS and SLO endpoints, certificates,
// NameID formats, whether it signs its requests. Only HTTP-POST ACS endpoints are kept (the Web
// SSO profile sends Responses by POST); SLO keeps HTTP-Redirect and HTTP-POST.

export const BINDING = {
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
} as const;
export type BindingName = keyof typeof BINDING;

export interface AcsEndpoint {
  url: string;
  index?: number;
  isDefault: boolean;
}

export interface SloEndpoint {
  url: string;
  binding: BindingName;
  responseUrl?: string;
}

export interface SpDescription {
  entityId: string;
  acs: AcsEndpoint[];
  slo: SloEndpoint[];
  signingCertificates: string[];
  encryptionCertificates: string[];
  nameIdFormats: string[];
  authnRequestsSigned: boolean;
  wantAssertionsSigned: boolean;
}

/** Metadata is read at startup from sources the operator chose; larger than a message, still bounded. */
const METADATA_LIMITS: XmlLimits = {
  maxBytes: 2 * 1024 * 1024,
  maxDepth: 32,
  maxElements: 50_000,
  maxAttributes: 100_000,
  maxNamespaceDeclarations: 1000,
  maxReferences: 50_000,
};

/**
 * `signedBy`: a PEM certificate (metadataSigningCertificate); the document's root must then carry
 * an enveloped signature that verifies with it, checked as strictly as an SP's messages are.
 */
export function parseSpMetadata(xml: string, signedBy?: string): SpDescription {
  const doc = parseXml(xml, METADATA_LIMITS);
  const unsigned = signedBy === undefined ? undefined : signatureProblem(doc, signedBy);
  if (unsigned) throw new XmlRejected(`the metadata ${unsigned}`);
  let entity = doc.documentElement!;
  if (entity.namespaceURI === NS.metadata && entity.localName === 'EntitiesDescriptor') {
    const entities = childElements(entity, NS.metadata, 'EntityDescriptor');
    if (entities.length !== 1)
      throw new XmlRejected(`metadata holds ${entities.length} entities; give one SP per file`);
    entity = entities[0]!;
  }
  if (entity.namespaceURI !== NS.metadata || entity.localName !== 'EntityDescriptor') {
    throw new XmlRejected(`expected an md:EntityDescriptor, got <${entity.localName}>`);
  }
  const entityId = attr(entity, 'entityID');
  if (!entityId) throw new XmlRejected('EntityDescriptor has no entityID');
  const descriptors = childElements(entity, NS.metadata, 'SPSSODescriptor');
  if (descriptors.length !== 1)
    throw new XmlRejected(`${entityId}: expected one SPSSODescriptor, found ${descriptors.length}`);
  const sp = descriptors[0]!;

  const acs = childElements(sp, NS.metadata, 'AssertionConsumerService')
    .filter((e) => attr(e, 'Binding') === BINDING.post)
    .map((e) => ({
      url: requireUrl(entityId, attr(e, 'Location')),
      index: indexOf(e),
      isDefault: attr(e, 'isDefault') === 'true',
    }));
  if (acs.length === 0) throw new XmlRejected(`${entityId}: no AssertionConsumerService with the HTTP-POST binding`);
  const slo = childElements(sp, NS.metadata, 'SingleLogoutService').flatMap((e): SloEndpoint[] => {
    const binding = (Object.keys(BINDING) as BindingName[]).find((b) => BINDING[b] === attr(e, 'Binding'));
    if (!binding) return [];
    const responseUrl = attr(e, 'ResponseLocation');
    return [{ url: requireUrl(entityId, attr(e, 'Location')), binding, ...(responseUrl ? { responseUrl } : {}) }];
  });
  const keys = childElements(sp, NS.metadata, 'KeyDescriptor').map((k) => ({
    use: attr(k, 'use'),
    certs: certificatesIn(k),
  }));
  return {
    entityId,
    acs,
    slo,
    signingCertificates: keys.filter((k) => k.use !== 'encryption').flatMap((k) => k.certs),
    encryptionCertificates: keys.filter((k) => k.use !== 'signing').flatMap((k) => k.certs),
    nameIdFormats: childElements(sp, NS.metadata, 'NameIDFormat').map(textOf),
    authnRequestsSigned: attr(sp, 'AuthnRequestsSigned') === 'true',
    wantAssertionsSigned: attr(sp, 'WantAssertionsSigned') === 'true',
  };
}

/** Why this metadata does not pass metadataSigningCertificate (a phrase after "the metadata"), or undefined. */
export function metadataSignatureProblem(xml: string, signedBy: string): string | undefined {
  try {
    return signatureProblem(parseXml(xml, METADATA_LIMITS), signedBy);
  } catch (err) {
    if (err instanceof XmlRejected) return `cannot be read (${err.message})`;
    throw err;
  }
}

function signatureProblem(doc: XmlDocument, signedBy: string): string | undefined {
  const root = doc.documentElement!;
  if (!envelopedSignature(root)) return 'is not signed, but metadataSigningCertificate is set';
  try {
    verifySignedElement(doc, root, { certificates: [toPem(signedBy)] });
    return undefined;
  } catch (err) {
    if (!(err instanceof XmlRejected)) throw err;
    return `has a signature that does not verify with metadataSigningCertificate (${err.message})`;
  }
}

/** PEM from base64 DER (metadata's X509Certificate) or PEM as given. */
export function toPem(certificate: string): string {
  if (certificate.includes('-----BEGIN CERTIFICATE-----')) return certificate.trim() + '\n';
  const body = certificate.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

function certificatesIn(keyDescriptor: XmlElement): string[] {
  return Array.from(keyDescriptor.getElementsByTagNameNS(NS.dsig, 'X509Certificate')).map((c) =>
    toPem(textOf(c as XmlElement)),
  );
}

function indexOf(e: XmlElement): number | undefined {
  const value = attr(e, 'index');
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

function requireUrl(entityId: string, location: string | undefined): string {
  if (!location || !/^https?:\/\//.test(location))
    throw new XmlRejected(`${entityId}: endpoint Location ${JSON.stringify(location)} is not an http(s) URL`);
  return location;
}
