import assert from 'node:assert/strict';
import { ldapConfig, type LdapConfigInput } from '../../src/config/ldap.ts';
import type { PasswordCheck, PasswordFailure } from '../../src/directory/contract.ts';
import { createLdapDirectory, type LdapDirectory } from '../../src/ldap/index.ts';
import { silentLog, type LdapLog } from '../../src/ldap/log.ts';

export function directoryFor(
  input: LdapConfigInput,
  options: { env?: NodeJS.ProcessEnv; retryAfterMs?: number; log?: LdapLog } = {},
): LdapDirectory {
  return createLdapDirectory(ldapConfig.parse(input), options.log ?? silentLog, options);
}

export function assertFailure(check: PasswordCheck, reason: PasswordFailure, label = ''): void {
  assert.equal(check.ok, false, `${label}: expected ${reason}, but the password was accepted`);
  if (!check.ok) assert.equal(check.reason, reason, `${label}: ${check.detail ?? ''}`);
}

/** Logins that try to widen the search or reach someone else's entry. */
export const INJECTIONS = [
  '*',
  '**',
  'al*',
  '*ice',
  'alice*',
  'alice)',
  'alice)(|(uid=*',
  '*)(uid=*))(|(uid=*',
  'alice)(objectClass=*',
  '(uid=alice)',
  'alice\\2a',
  'alice\\',
  'alice\0',
  'alice\0*',
  '\0',
  'alice,ou=people',
  'uid=alice,ou=people,dc=example,dc=org',
  'CN=Alice Adams,CN=Users,DC=example,DC=test',
  'weird*',
  'weird*(x)*',
  'PLAIN',
];
