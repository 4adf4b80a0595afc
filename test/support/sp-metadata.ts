// SP metadata documents for tests, shaped like what Shibboleth, mellon and pysaml2 publish.

export interface SpMetadataInput {
  entityId: string;
  acs: string[];
  sloUrl?: string;
  /** PEM certificate used for signing and encryption. */
  certificatePem?: string;
  authnRequestsSigned?: boolean;
  nameIdFormats?: string[];
}

export function spMetadataXml(input: SpMetadataInput): string {
  const certBody = input.certificatePem?.replace(/-----[^-]+-----|\s+/g, '');
  const keys = certBody
    ? ['signing', 'encryption']
        .map(
          (use) =>
            `<md:KeyDescriptor use="${use}"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
        )
        .join('')
    : '';
  const slo = input.sloUrl
    ? `<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${input.sloUrl}"/>`
    : '';
  const formats = (input.nameIdFormats ?? []).map((f) => `<md:NameIDFormat>${f}</md:NameIDFormat>`).join('');
  const acs = input.acs
    .map(
      (url, i) =>
        `<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${url}" index="${i}"${i === 0 ? ' isDefault="true"' : ''}/>`,
    )
    .join('');
  return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${input.entityId}">
  <md:SPSSODescriptor AuthnRequestsSigned="${input.authnRequestsSigned ? 'true' : 'false'}" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    ${keys}${slo}${formats}
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" Location="https://ignored.test/artifact" index="9"/>
    ${acs}
  </md:SPSSODescriptor>
</md:EntityDescriptor>`;
}
