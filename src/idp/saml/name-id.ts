import { createHmac, randomBytes } from 'node:crypto';
import type { NameIdFormatName } from '../../config/saml.ts';
import type { DirectoryUser } from '../../directory/contract.ts';
import { SamlError, STATUS } from './status.ts';

// NameID formats and values. Persistent identifiers are pairwise and opaque: an HMAC of the SP's
// entity ID and the user's stable directory id under a secret kept in the store, so they do not
// change when keys rotate and cannot be linked across SPs.

const F = 'urn:oasis:names:tc:SAML:';
export const NAMEID_FORMAT: Record<NameIdFormatName, string> = {
  unspecified: `${F}1.1:nameid-format:unspecified`,
  emailAddress: `${F}1.1:nameid-format:emailAddress`,
  persistent: `${F}2.0:nameid-format:persistent`,
  transient: `${F}2.0:nameid-format:transient`,
};

export function formatByUri(uri: string): NameIdFormatName | undefined {
  return (Object.keys(NAMEID_FORMAT) as NameIdFormatName[]).find((k) => NAMEID_FORMAT[k] === uri);
}

export interface NameId {
  value: string;
  format: NameIdFormatName;
  nameQualifier?: string;
  spNameQualifier?: string;
}

/** A Latch attribute of a user: one of the DirectoryUser fields, else a directory attribute. */
export function userAttribute(user: DirectoryUser, name: string): string[] {
  const own: Record<string, string | string[] | undefined> = {
    id: user.id,
    username: user.username,
    email: user.email,
    displayName: user.displayName,
    upn: user.upn,
    groups: user.groups,
  };
  const value = name in own ? own[name] : user.attributes[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v) => v !== '');
}

export interface NameIdInput {
  user: DirectoryUser;
  format: NameIdFormatName;
  /** Attribute for unspecified and emailAddress formats. */
  attribute: string;
  idpEntityId: string;
  spEntityId: string;
  persistentSecret: Buffer;
}

export function makeNameId(input: NameIdInput): NameId {
  switch (input.format) {
    case 'persistent': {
      const value = createHmac('sha256', input.persistentSecret)
        .update(`${input.spEntityId}\0${input.user.id}`)
        .digest('base64url');
      return { value, format: 'persistent', nameQualifier: input.idpEntityId, spNameQualifier: input.spEntityId };
    }
    case 'transient':
      return {
        value: `_${randomBytes(20).toString('hex')}`,
        format: 'transient',
        nameQualifier: input.idpEntityId,
        spNameQualifier: input.spEntityId,
      };
    case 'emailAddress':
    case 'unspecified': {
      const attribute = input.format === 'emailAddress' && input.attribute === 'username' ? 'email' : input.attribute;
      const value = userAttribute(input.user, attribute)[0];
      if (!value || (input.format === 'emailAddress' && !value.includes('@'))) {
        throw new SamlError(
          'Your account has no value this application needs to identify you.',
          `user ${input.user.id} has no usable ${attribute} for a ${input.format} NameID`,
          {
            code: STATUS.responder,
            subCode: STATUS.invalidNameIdPolicy,
          },
        );
      }
      return { value, format: input.format };
    }
  }
}
