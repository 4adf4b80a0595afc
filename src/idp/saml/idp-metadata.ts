import { randomBytes } from 'node:crypto';
import type { SigningKey } from '../../keys/contract.ts';
import type { IdpIdentity } from './idp-identity.ts';
import { NAMEID_FORMAT } from './name-id.ts';
import { BINDING } from './sp-metadata.ts';
import { xmlEscape } from './xml/escape.ts';
import { NS } from './xml/namespaces.ts';
import { signElement } from './xml/sign.ts';

// Latch's IdP metadata: signing KeyDescriptors for the current and the next key (so SPs trust the
// next key before it signs), SSO and SLO for HTTP-Redirect and HTTP-POST, NameID formats, and
// Shibboleth scopes when configured.

export interface IdpMetadataInput {
  identity: IdpIdentity;
  /** KeyRing.published('RS256'): current first, then next. */
  keys: SigningKey[];
  wantAuthnRequestsSigned: boolean;
  scopes: string[];
  /** Sign the document with the current key. */
  sign: boolean;
  validForMs?: number;
}

export function buildIdpMetadata(input: IdpMetadataInput): string {
  const id = `_${randomBytes(16).toString('hex')}`;
  const validUntil = new Date(Date.now() + (input.validForMs ?? 7 * 86_400_000)).toISOString();
  const extensions = input.scopes.length
    ? `<md:Extensions>${input.scopes.map((s) => `<shibmd:Scope regexp="false">${xmlEscape(s)}</shibmd:Scope>`).join('')}</md:Extensions>`
    : '';
  const keyDescriptors = input.keys
    .filter((k) => k.certificatePem)
    .map(
      (k) =>
        `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:KeyName>${xmlEscape(k.kid)}</ds:KeyName><ds:X509Data><ds:X509Certificate>${certificateBody(k.certificatePem!)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('');
  const services = (element: string, url: string) =>
    [BINDING.redirect, BINDING.post]
      .map((b) => `<md:${element} Binding="${b}" Location="${xmlEscape(url)}"/>`)
      .join('');
  const formats = Object.values(NAMEID_FORMAT)
    .map((f) => `<md:NameIDFormat>${f}</md:NameIDFormat>`)
    .join('');
  const xml =
    `<md:EntityDescriptor xmlns:md="${NS.metadata}" xmlns:ds="${NS.dsig}" xmlns:shibmd="${NS.shibmd}" ` +
    `entityID="${xmlEscape(input.identity.entityId)}" ID="${id}" validUntil="${validUntil}">` +
    `<md:IDPSSODescriptor WantAuthnRequestsSigned="${input.wantAuthnRequestsSigned}" protocolSupportEnumeration="${NS.protocol}">` +
    extensions +
    keyDescriptors +
    services('SingleLogoutService', input.identity.sloUrl) +
    formats +
    services('SingleSignOnService', input.identity.ssoUrl) +
    `</md:IDPSSODescriptor></md:EntityDescriptor>`;
  const current = input.keys.find((k) => k.status === 'current') ?? input.keys[0];
  if (!input.sign || !current?.certificatePem) return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${signElement(xml, id, { privateKeyPem: current.privateKeyPem, certificatePem: current.certificatePem }, 'rsa-sha256', 'first')}`;
}

export function certificateBody(pem: string): string {
  return pem.replace(/-----[^-]+-----|\s+/g, '');
}
