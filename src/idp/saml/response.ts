import { randomBytes } from 'node:crypto';
import type { SigningKey } from '../../keys/contract.ts';
import type { SamlAttribute } from './attributes.ts';
import { encryptAssertion } from './encrypt-assertion.ts';
import type { IdpIdentity } from './idp-identity.ts';
import { NAMEID_FORMAT, type NameId } from './name-id.ts';
import type { ResolvedSpOptions, ServiceProvider } from './registry.ts';
import { STATUS, type SamlStatus } from './status.ts';
import { xmlEscape } from './xml/escape.ts';
import { NS } from './xml/namespaces.ts';
import { signElement } from './xml/sign.ts';

// Building the Response that goes to an SP's ACS: the assertion (signed when the SP wants it),
// optionally encrypted to the SP, inside a Response (signed when the SP wants it). Status
// Responses for errors carry no assertion.

/** Mellon tolerates no clock skew, so NotBefore is set a little in the past. */
const NOT_BEFORE_SLACK_MS = 30_000;

export interface ResponseTarget {
  sp: ServiceProvider;
  idp: IdpIdentity;
  acsUrl: string;
  inResponseTo?: string;
  key: SigningKey;
  now: number;
}

export interface AssertionContent {
  nameId: NameId;
  attributes: SamlAttribute[];
  authnInstant: number;
  authnContextClassRef: string;
  sessionIndex: string;
  assertionLifetimeMs: number;
}

export const newId = (): string => `_${randomBytes(20).toString('hex')}`;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function buildSuccessResponse(target: ResponseTarget, content: AssertionContent): string {
  const options = target.sp.options;
  const signer = signerOf(target.key);
  let assertion = assertionXml(target, content);
  if (options.signAssertion) assertion = signElement(assertion, assertion.match(/ ID="([^"]+)"/)![1]!, signer, options.signatureAlgorithm);
  if (options.encryptAssertion) assertion = encryptAssertion(assertion, target.sp.encryptionCertificates[0]!, options.encryptionAlgorithm);
  return responseXml(target, { code: STATUS.success }, assertion, options);
}

export function buildStatusResponse(target: ResponseTarget, status: SamlStatus): string {
  return responseXml(target, status, '', target.sp.options);
}

function responseXml(target: ResponseTarget, status: SamlStatus, assertion: string, options: ResolvedSpOptions): string {
  const id = newId();
  const inResponseTo = target.inResponseTo ? ` InResponseTo="${xmlEscape(target.inResponseTo)}"` : '';
  const xml =
    `<samlp:Response xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${id}" Version="2.0" ` +
    `IssueInstant="${iso(target.now)}" Destination="${xmlEscape(target.acsUrl)}"${inResponseTo}>` +
    `<saml:Issuer>${xmlEscape(target.idp.entityId)}</saml:Issuer>${statusXml(status)}${assertion}</samlp:Response>`;
  // A response with nothing signed is refused by every SP; sign the Response when the assertion is not.
  const signResponse = options.signResponse || !options.signAssertion || assertion === '';
  return signResponse ? signElement(xml, id, signerOf(target.key), options.signatureAlgorithm) : xml;
}

export function statusXml(status: SamlStatus): string {
  const inner = status.subCode ? `<samlp:StatusCode Value="${status.subCode}"/>` : '';
  const message = status.message ? `<samlp:StatusMessage>${xmlEscape(status.message)}</samlp:StatusMessage>` : '';
  return `<samlp:Status><samlp:StatusCode Value="${status.code}">${inner}</samlp:StatusCode>${message}</samlp:Status>`;
}

function assertionXml(target: ResponseTarget, content: AssertionContent): string {
  const { sp, idp, now } = target;
  const notOnOrAfter = iso(now + content.assertionLifetimeMs);
  const inResponseTo = target.inResponseTo ? ` InResponseTo="${xmlEscape(target.inResponseTo)}"` : '';
  const n = content.nameId;
  const qualifiers = (n.nameQualifier ? ` NameQualifier="${xmlEscape(n.nameQualifier)}"` : '') + (n.spNameQualifier ? ` SPNameQualifier="${xmlEscape(n.spNameQualifier)}"` : '');
  const attributes = content.attributes.length
    ? `<saml:AttributeStatement>${content.attributes.map(attributeXml).join('')}</saml:AttributeStatement>`
    : '';
  return (
    `<saml:Assertion xmlns:saml="${NS.assertion}" xmlns:xs="${NS.xs}" xmlns:xsi="${NS.xsi}" ID="${newId()}" Version="2.0" IssueInstant="${iso(now)}">` +
    `<saml:Issuer>${xmlEscape(idp.entityId)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${NAMEID_FORMAT[n.format]}"${qualifiers}>${xmlEscape(n.value)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter}" Recipient="${xmlEscape(target.acsUrl)}"${inResponseTo}/>` +
    `</saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(now - NOT_BEFORE_SLACK_MS)}" NotOnOrAfter="${notOnOrAfter}">` +
    `<saml:AudienceRestriction><saml:Audience>${xmlEscape(sp.entityId)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(content.authnInstant)}" SessionIndex="${xmlEscape(content.sessionIndex)}" ` +
    `SessionNotOnOrAfter="${iso(now + sp.options.sessionLifetime)}">` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>${xmlEscape(content.authnContextClassRef)}</saml:AuthnContextClassRef></saml:AuthnContext>` +
    `</saml:AuthnStatement>${attributes}</saml:Assertion>`
  );
}

function attributeXml(a: SamlAttribute): string {
  const friendly = a.friendlyName ? ` FriendlyName="${xmlEscape(a.friendlyName)}"` : '';
  const values = a.values.map((v) => `<saml:AttributeValue xsi:type="xs:string">${xmlEscape(v)}</saml:AttributeValue>`).join('');
  return `<saml:Attribute Name="${xmlEscape(a.name)}" NameFormat="${a.nameFormat}"${friendly}>${values}</saml:Attribute>`;
}

function signerOf(key: SigningKey) {
  if (!key.certificatePem) throw new Error(`signing key ${key.kid} has no certificate`);
  return { privateKeyPem: key.privateKeyPem, certificatePem: key.certificatePem, privateKey: key.privateKey };
}
