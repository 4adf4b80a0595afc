import { randomBytes } from 'node:crypto';
import type { SigningKey } from '../../keys/contract.ts';
import type { SamlAttribute } from './attributes.ts';
import { encryptAssertion } from './encrypt-assertion.ts';
import type { IdpIdentity } from './idp-identity.ts';
import { NAMEID_FORMAT, type NameId } from './name-id.ts';
import type { ResolvedSpOptions, ServiceProvider } from './registry.ts';
import { STATUS, type SamlStatus } from './status.ts';
import { NS } from './xml/namespaces.ts';
import { signTree } from './xml/sign.ts';
import { element, serialize, type XmlElement } from './xml/tree.ts';

// Building the Response that goes to an SP's ACS: the assertion (signed when the SP wants it),
// optionally encrypted to the SP, inside a Response (signed when the SP wants it). Status
// Responses for errors carry no assertion. Both are built as trees (xml/tree.ts), so signing them
// computes the digests over their canonical form without parsing them back.

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
  let assertion = assertionTree(target, content);
  if (options.signAssertion) assertion = signTree(assertion, signerOf(target.key), options.signatureAlgorithm);
  const carried = options.encryptAssertion
    ? encryptAssertion(serialize(assertion), target.sp.encryptionCertificates[0]!, options.encryptionAlgorithm)
    : assertion;
  return responseXml(target, { code: STATUS.success }, carried, options);
}

export function buildStatusResponse(target: ResponseTarget, status: SamlStatus): string {
  return responseXml(target, status, undefined, target.sp.options);
}

function responseXml(
  target: ResponseTarget,
  status: SamlStatus,
  assertion: XmlElement | undefined,
  options: ResolvedSpOptions,
): string {
  const response = element(
    'samlp:Response',
    {
      ID: newId(),
      Version: '2.0',
      IssueInstant: iso(target.now),
      Destination: target.acsUrl,
      InResponseTo: target.inResponseTo,
    },
    [element('saml:Issuer', {}, [target.idp.entityId]), statusTree(status), ...(assertion ? [assertion] : [])],
    { samlp: NS.protocol, saml: NS.assertion },
  );
  // A response with nothing signed is refused by every SP; sign the Response when the assertion is not.
  const signResponse = options.signResponse || !options.signAssertion || assertion === undefined;
  return serialize(signResponse ? signTree(response, signerOf(target.key), options.signatureAlgorithm) : response);
}

export function statusTree(status: SamlStatus): XmlElement {
  const code = element(
    'samlp:StatusCode',
    { Value: status.code },
    status.subCode ? [element('samlp:StatusCode', { Value: status.subCode })] : [],
  );
  return element('samlp:Status', {}, [
    code,
    ...(status.message ? [element('samlp:StatusMessage', {}, [status.message])] : []),
  ]);
}

function assertionTree(target: ResponseTarget, content: AssertionContent): XmlElement {
  const { sp, idp, now } = target;
  const notOnOrAfter = iso(now + content.assertionLifetimeMs);
  const n = content.nameId;
  const nameId = element(
    'saml:NameID',
    { Format: NAMEID_FORMAT[n.format], NameQualifier: n.nameQualifier, SPNameQualifier: n.spNameQualifier },
    [n.value],
  );
  const confirmation = element('saml:SubjectConfirmation', { Method: 'urn:oasis:names:tc:SAML:2.0:cm:bearer' }, [
    element('saml:SubjectConfirmationData', {
      NotOnOrAfter: notOnOrAfter,
      Recipient: target.acsUrl,
      InResponseTo: target.inResponseTo,
    }),
  ]);
  const conditions = element(
    'saml:Conditions',
    { NotBefore: iso(now - NOT_BEFORE_SLACK_MS), NotOnOrAfter: notOnOrAfter },
    [element('saml:AudienceRestriction', {}, [element('saml:Audience', {}, [sp.entityId])])],
  );
  const authn = element(
    'saml:AuthnStatement',
    {
      AuthnInstant: iso(content.authnInstant),
      SessionIndex: content.sessionIndex,
      SessionNotOnOrAfter: iso(now + sp.options.sessionLifetime),
    },
    [element('saml:AuthnContext', {}, [element('saml:AuthnContextClassRef', {}, [content.authnContextClassRef])])],
  );
  const attributes =
    content.attributes.length > 0
      ? [element('saml:AttributeStatement', {}, content.attributes.map(attributeTree))]
      : [];
  return element(
    'saml:Assertion',
    { ID: newId(), Version: '2.0', IssueInstant: iso(now) },
    [
      element('saml:Issuer', {}, [idp.entityId]),
      element('saml:Subject', {}, [nameId, confirmation]),
      conditions,
      authn,
      ...attributes,
    ],
    { saml: NS.assertion, xs: NS.xs, xsi: NS.xsi },
  );
}

function attributeTree(a: SamlAttribute): XmlElement {
  const values = a.values.map((v) => element('saml:AttributeValue', { 'xsi:type': 'xs:string' }, [v]));
  return element('saml:Attribute', { Name: a.name, NameFormat: a.nameFormat, FriendlyName: a.friendlyName }, values);
}

function signerOf(key: SigningKey) {
  if (!key.certificatePem) throw new Error(`signing key ${key.kid} has no certificate`);
  return { privateKeyPem: key.privateKeyPem, certificatePem: key.certificatePem, privateKey: key.privateKey };
}
