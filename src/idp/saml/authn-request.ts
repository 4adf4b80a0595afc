import type { AuthLevel } from '../../authn/contract.ts';
import type { NameIdFormatName, SamlConfig } from '../../config/saml.ts';
import type { Store } from '../../store/contract.ts';
import { records } from '../../store/records.ts';
import { sha256 } from '../../util/random.ts';
import { acceptableLevels, type Comparison } from './authn-context.ts';
import type { IdpIdentity } from './idp-identity.ts';
import { formatByUri, NAMEID_FORMAT } from './name-id.ts';
import type { ServiceProvider, SpRegistry } from './registry.ts';
import { BINDING } from './sp-metadata.ts';
import { SamlError, STATUS, type ReplyTo, type SamlStatus } from './status.ts';
import { NS } from './xml/namespaces.ts';
import { attr, optionalChild, childElements, textOf, type XmlElement } from './xml/parse.ts';
import { issueInstantProblem, readSpMessage, refuseOnPage, type IncomingMessage } from './sp-message.ts';

// Reads and fully validates an AuthnRequest before anything is stored. Until the SP and its ACS
// are known and registered, errors end on an error page; after that, errors the SP should hear
// about go back to that ACS as status Responses. The request ID is consumed last, so a refused
// request changes nothing.

export type IncomingRequest = IncomingMessage;

export interface ValidAuthnRequest {
  id: string;
  sp: ServiceProvider;
  acsUrl: string;
  relayState?: string;
  forceAuthn: boolean;
  isPassive: boolean;
  nameIdFormat: NameIdFormatName;
  requestedClasses?: string[];
  acceptableLevels?: AuthLevel[];
  loginHint?: string;
  signed: boolean;
}

export interface RequestDeps {
  registry: SpRegistry;
  saml: Pick<SamlConfig, 'requestMaxAge' | 'maxMessageBytes'>;
  identityFor(sp: ServiceProvider): IdpIdentity;
  store: Store;
  now?: () => number;
}

const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/;
/** When each AuthnRequest ID was first seen: a replayed request is refused. */
const requestsSeen = records.samlAuthnRequestSeen.holding<number>();

export async function readAuthnRequest(input: IncomingRequest, deps: RequestDeps): Promise<ValidAuthnRequest> {
  const now = deps.now?.() ?? Date.now();
  const { root, sp, signed } = readSpMessage(
    input,
    'SAMLRequest',
    'AuthnRequest',
    deps.registry,
    deps.saml.maxMessageBytes,
  );

  const id = attr(root, 'ID') ?? '';
  if (!ID_PATTERN.test(id))
    throw new SamlError(
      'The sign-in request could not be read.',
      `AuthnRequest ID ${JSON.stringify(id)} is not a valid ID`,
    );
  const acsUrl = resolveAcs(root, sp);
  const replyTo: ReplyTo = {
    sp,
    acsUrl,
    inResponseTo: id,
    ...(input.relayState !== undefined ? { relayState: input.relayState } : {}),
  };
  const answer = (publicMessage: string, detail: string, status: SamlStatus): never => {
    const error = new SamlError(publicMessage, detail, status);
    error.replyTo = replyTo;
    throw error;
  };

  if (sp.options.requireSignedRequests && !signed)
    answer('The application sent an unsigned sign-in request.', `${sp.entityId} must sign AuthnRequests`, {
      code: STATUS.requester,
      subCode: STATUS.requestDenied,
      message: 'AuthnRequest must be signed',
    });
  if (attr(root, 'Version') !== '2.0')
    answer('The sign-in request uses an unsupported SAML version.', `Version ${attr(root, 'Version')}`, {
      code: STATUS.versionMismatch,
    });
  const identity = deps.identityFor(sp);
  const destination = attr(root, 'Destination');
  if (destination !== undefined && destination !== identity.ssoUrl)
    answer(
      'The sign-in request was meant for another server.',
      `Destination ${destination}, expected ${identity.ssoUrl}`,
      { code: STATUS.requester, message: 'Destination mismatch' },
    );
  if (destination === undefined && signed)
    answer('The sign-in request could not be read.', 'signed AuthnRequest without Destination', {
      code: STATUS.requester,
      message: 'Destination is required in a signed request',
    });
  checkIssueInstant(attr(root, 'IssueInstant'), now, sp.options.clockSkew, deps.saml.requestMaxAge, answer);
  const protocolBinding = attr(root, 'ProtocolBinding');
  if (protocolBinding !== undefined && protocolBinding !== BINDING.post)
    answer('The application asked for an unsupported response binding.', `ProtocolBinding ${protocolBinding}`, {
      code: STATUS.responder,
      subCode: STATUS.unsupportedBinding,
    });

  const nameIdFormat = readNameIdPolicy(root, sp, answer);
  const context = readRequestedContext(root, answer);
  const subjectNameId = optionalChild(root, NS.assertion, 'Subject')?.getElementsByTagNameNS(NS.assertion, 'NameID')[0];
  const loginHint = subjectNameId ? refuseOnPage(() => textOf(subjectNameId as XmlElement)) : undefined;

  const seen = { spHash: sha256(sp.entityId), requestId: id };
  const fresh = await requestsSeen.createIfAbsent(deps.store, seen, now, {
    ttlMs: deps.saml.requestMaxAge + 2 * sp.options.clockSkew,
  });
  if (!fresh)
    throw new SamlError('This sign-in request was already used.', `replayed AuthnRequest ${id} from ${sp.entityId}`);

  return {
    id,
    sp,
    acsUrl,
    ...(input.relayState !== undefined ? { relayState: input.relayState } : {}),
    forceAuthn: isTrue(attr(root, 'ForceAuthn')),
    isPassive: isTrue(attr(root, 'IsPassive')),
    nameIdFormat,
    ...context,
    ...(loginHint ? { loginHint } : {}),
    signed,
  };
}

/** ACS by exact URL or by index, else the SP's default; never an unregistered URL. */
export function resolveAcs(root: XmlElement, sp: ServiceProvider): string {
  const url = attr(root, 'AssertionConsumerServiceURL');
  const index = attr(root, 'AssertionConsumerServiceIndex');
  if (url !== undefined && index !== undefined)
    throw new SamlError('The sign-in request could not be read.', 'both AssertionConsumerServiceURL and Index given');
  if (url !== undefined) {
    if (!sp.acs.some((a) => a.url === url))
      throw new SamlError(
        'The application asked to be answered at an address it has not registered.',
        `ACS URL ${url} is not registered for ${sp.entityId}`,
      );
    return url;
  }
  if (index !== undefined) {
    const found = sp.acs.find((a) => a.index !== undefined && String(a.index) === index);
    if (!found)
      throw new SamlError(
        'The application asked to be answered at an address it has not registered.',
        `ACS index ${index} is not registered for ${sp.entityId}`,
      );
    return found.url;
  }
  return (sp.acs.find((a) => a.isDefault) ?? sp.acs[0]!).url;
}

type Answer = (publicMessage: string, detail: string, status: SamlStatus) => never;

function checkIssueInstant(value: string | undefined, now: number, skew: number, maxAge: number, answer: Answer): void {
  const problem = issueInstantProblem(value, now, skew, maxAge);
  if (problem === undefined) return;
  const publicMessage =
    problem === 'IssueInstant is in the future'
      ? 'The sign-in request was issued in the future; check the clock of the application server.'
      : problem === 'the message expired'
        ? 'The sign-in request has expired. Start again from the application.'
        : 'The sign-in request could not be read.';
  answer(publicMessage, `${problem}: ${value} at ${new Date(now).toISOString()}`, {
    code: STATUS.requester,
    ...(problem.startsWith('IssueInstant is m') ? {} : { subCode: STATUS.requestDenied }),
    message: problem,
  });
}

function readNameIdPolicy(root: XmlElement, sp: ServiceProvider, answer: Answer): NameIdFormatName {
  const policy = refuseOnPage(() => optionalChild(root, NS.protocol, 'NameIDPolicy'));
  const format = policy && attr(policy, 'Format');
  const spNameQualifier = policy && attr(policy, 'SPNameQualifier');
  if (spNameQualifier !== undefined && spNameQualifier !== sp.entityId) {
    answer('The application asked for an identifier Latch cannot give.', `SPNameQualifier ${spNameQualifier}`, {
      code: STATUS.requester,
      subCode: STATUS.invalidNameIdPolicy,
    });
  }
  if (format === undefined || format === NAMEID_FORMAT.unspecified) return sp.options.nameIdFormat;
  const known = formatByUri(format);
  if (!known)
    answer('The application asked for an identifier Latch cannot give.', `NameIDPolicy Format ${format}`, {
      code: STATUS.requester,
      subCode: STATUS.invalidNameIdPolicy,
    });
  return known!;
}

function readRequestedContext(
  root: XmlElement,
  answer: Answer,
): { requestedClasses?: string[]; acceptableLevels?: AuthLevel[] } {
  const requested = refuseOnPage(() => optionalChild(root, NS.protocol, 'RequestedAuthnContext'));
  if (!requested) return {};
  const comparison = (attr(requested, 'Comparison') ?? 'exact') as Comparison;
  if (!['exact', 'minimum', 'maximum', 'better'].includes(comparison))
    answer('The sign-in request could not be read.', `Comparison ${comparison}`, { code: STATUS.requester });
  const classes = childElements(requested, NS.assertion, 'AuthnContextClassRef').map((e) =>
    refuseOnPage(() => textOf(e)),
  );
  const levels = classes.length ? acceptableLevels(classes, comparison) : undefined;
  if (!levels)
    answer(
      'The application asked for a way of signing in that Latch does not offer.',
      `RequestedAuthnContext ${comparison} ${classes.join(' ')}`,
      { code: STATUS.requester, subCode: STATUS.noAuthnContext },
    );
  return { requestedClasses: classes, acceptableLevels: levels! };
}

const isTrue = (value: string | undefined) => value === 'true' || value === '1';
