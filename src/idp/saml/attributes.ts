import type { SpDefaults } from '../../config/saml.ts';
import type { DirectoryUser } from '../../directory/contract.ts';
import { userAttribute } from './name-id.ts';

// The AttributeStatement: each mapped Latch attribute that the user has, under the SAML name the
// SP expects. Attributes the user lacks are left out rather than sent empty.

export interface SamlAttribute {
  name: string;
  nameFormat: string;
  friendlyName?: string;
  values: string[];
}

const NAME_FORMAT = {
  uri: 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
  basic: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
  unspecified: 'urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified',
} as const;

export function mapAttributes(user: DirectoryUser, mapping: SpDefaults['attributes']): SamlAttribute[] {
  return Object.entries(mapping).flatMap(([from, target]) => {
    const values = userAttribute(user, from);
    if (values.length === 0) return [];
    if (typeof target === 'string') return [{ name: target, nameFormat: NAME_FORMAT.basic, values }];
    return [
      {
        name: target.name,
        nameFormat: NAME_FORMAT[target.nameFormat ?? 'basic'],
        ...(target.friendlyName ? { friendlyName: target.friendlyName } : {}),
        values,
      },
    ];
  });
}
