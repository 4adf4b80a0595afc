import type { SamlConfig } from '../../config/saml.ts';
import type { ServiceProvider } from './registry.ts';

// Latch's own SAML identity: one global entity ID by default, or a separate one for an SP that has
// `idpEntityId` (one IdP identity per application, as hosted SSO services offer).

export const SAML_PATHS = {
  metadata: '/saml2/idp/metadata',
  certificate: '/saml2/idp/certificate',
  sso: '/saml2/idp/sso',
  slo: '/saml2/idp/slo',
  sloConfirm: '/saml2/idp/slo/confirm',
  init: '/saml2/idp/init',
  continue: '/saml2/idp/continue',
} as const;

export interface IdpIdentity {
  entityId: string;
  ssoUrl: string;
  sloUrl: string;
  metadataUrl: string;
  certificateUrl: string;
}

export function idpIdentity(baseUrl: string, config: Pick<SamlConfig, 'entityId'>, sp?: ServiceProvider): IdpIdentity {
  const base = baseUrl.replace(/\/+$/, '');
  const metadataUrl = base + SAML_PATHS.metadata;
  const perSp = sp?.options.idpEntityId;
  return {
    entityId: perSp ?? config.entityId ?? metadataUrl,
    ssoUrl: base + SAML_PATHS.sso,
    sloUrl: base + SAML_PATHS.slo,
    metadataUrl: perSp && sp ? `${metadataUrl}?sp=${encodeURIComponent(sp.entityId)}` : metadataUrl,
    certificateUrl: base + SAML_PATHS.certificate,
  };
}
