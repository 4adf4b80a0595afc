import { it } from 'mocha';
import assert from 'node:assert/strict';
import { accountState } from './account-state.ts';

const NOW = Date.UTC(2026, 10, 22);
/** A time as AD's accountExpires: 100 ns steps since 1601-01-01. */
const filetime = (ms: number) => String((BigInt(ms) + 11_644_473_600_000n) * 10_000n);

it('AD: disabled, locked and expired accounts are not usable; never-expiring ones are', () => {
  const entry = (attrs: Record<string, string>) => ({ dn: 'CN=x', ...attrs });
  assert.equal(accountState(entry({ userAccountControl: '512' }), 'ad', NOW), 'usable');
  assert.equal(accountState(entry({ userAccountControl: '514' }), 'ad', NOW), 'disabled');
  assert.equal(
    accountState(entry({ userAccountControl: '512', 'msDS-User-Account-Control-Computed': '16' }), 'ad', NOW),
    'locked',
  );
  assert.equal(
    accountState(entry({ userAccountControl: '512', accountExpires: filetime(NOW - 1000) }), 'ad', NOW),
    'expired',
  );
  assert.equal(
    accountState(entry({ userAccountControl: '512', accountExpires: filetime(NOW + 86_400_000) }), 'ad', NOW),
    'usable',
  );
  assert.equal(accountState(entry({ userAccountControl: '512', accountExpires: '0' }), 'ad', NOW), 'usable');
  assert.equal(
    accountState(entry({ userAccountControl: '512', accountExpires: '9223372036854775807' }), 'ad', NOW),
    'usable',
  );
  // Attribute names come back in the server's case.
  assert.equal(accountState(entry({ useraccountcontrol: '66050' }), 'ad', NOW), 'disabled');
});

it('OpenLDAP: a ppolicy lock makes the account unusable', () => {
  assert.equal(accountState({ dn: 'uid=x' }, 'ldap', NOW), 'usable');
  assert.equal(accountState({ dn: 'uid=x', pwdAccountLockedTime: '20261122000000Z' }, 'ldap', NOW), 'locked');
});
