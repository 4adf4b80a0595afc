import { it } from 'mocha';
import assert from 'node:assert/strict';
import { adSubcode, bindFailureReason } from './ad-errors.ts';

const samba = (data: string) =>
  `80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data ${data}, v1db1 Code: 0x31`;

it('every AD sub-code maps to its reason', () => {
  const expected: [string, string][] = [
    ['525', 'user-not-found'],
    ['52e', 'invalid-credentials'],
    ['530', 'not-permitted-at-this-time'],
    ['531', 'not-permitted-from-this-workstation'],
    ['532', 'password-expired'],
    ['533', 'account-disabled'],
    ['701', 'account-expired'],
    ['773', 'must-change-password'],
    ['775', 'account-locked'],
  ];
  for (const [code, reason] of expected) assert.equal(bindFailureReason(samba(code)), reason, code);
});

it('the Windows wording (upper case, other DSID and version) parses too', () => {
  const windows = '80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52E, v4563';
  assert.equal(adSubcode(windows), '52e');
  assert.equal(bindFailureReason(windows), 'invalid-credentials');
});

it('a plain LDAP server (no sub-code) or an unknown sub-code is invalid credentials', () => {
  assert.equal(bindFailureReason('Invalid Credentials'), 'invalid-credentials');
  assert.equal(adSubcode('Invalid Credentials'), undefined);
  assert.equal(bindFailureReason(samba('569')), 'invalid-credentials');
});
