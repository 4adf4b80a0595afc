import type { DirectoryUser } from '../../src/directory/contract.ts';
import type { ResolvedSpOptions, ServiceProvider } from '../../src/idp/saml/registry.ts';

// Ready-made SPs and users for unit tests of the SAML front end.

export const defaultSpOptions: ResolvedSpOptions = {
  name: 'Test SP',
  nameIdFormat: 'unspecified',
  nameIdAttribute: 'username',
  signatureAlgorithm: 'rsa-sha256',
  signResponse: true,
  signAssertion: true,
  encryptAssertion: false,
  encryptionAlgorithm: 'aes256-gcm',
  attributes: {
    email: { name: 'urn:oid:0.9.2342.19200300.100.1.3', nameFormat: 'uri', friendlyName: 'mail' },
    groups: 'groups',
  },
  clockSkew: 60_000,
  requireSignedRequests: false,
  sessionLifetime: 8 * 3_600_000,
  allowIdpInitiated: true,
};

export function testSp(
  overrides: Partial<ServiceProvider> = {},
  options: Partial<ResolvedSpOptions> = {},
): ServiceProvider {
  return {
    entityId: 'https://sp.test/metadata',
    acs: [
      { url: 'https://sp.test/acs', index: 0, isDefault: true },
      { url: 'https://sp.test/acs2', index: 1, isDefault: false },
    ],
    slo: [{ url: 'https://sp.test/slo', binding: 'redirect' }],
    signingCertificates: [],
    encryptionCertificates: [],
    nameIdFormats: [],
    authnRequestsSigned: false,
    wantAssertionsSigned: false,
    source: 'test',
    ...overrides,
    options: { ...defaultSpOptions, ...options },
  };
}

export const alice: DirectoryUser = {
  id: 'u-1001',
  username: 'alice',
  email: 'alice@example.test',
  displayName: 'Alice Example',
  upn: 'alice@corp.example.test',
  groups: ['staff', 'wiki-editors'],
  attributes: { department: 'R&D' },
};
