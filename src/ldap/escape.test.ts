import { it } from 'mocha';
import assert from 'node:assert/strict';
import { escapeDnValue, escapeFilterValue, firstRdnValue, normalizeDn, parseDn } from './escape.ts';

it('filter values: RFC 4515 special characters, NUL and non-ASCII bytes are escaped', () => {
  assert.equal(escapeFilterValue('a*b(c)d\\e\0f'), 'a\\2ab\\28c\\29d\\5ce\\00f');
  assert.equal(escapeFilterValue('jürgen'), 'j\\c3\\bcrgen');
  assert.equal(escapeFilterValue(Buffer.from([0x00, 0xff, 0x41])), '\\00\\ffA');
  assert.equal(escapeFilterValue(',+"<>;='), ',+"<>;=');
});

it('DN values: RFC 4514 escaping round-trips through the parser', () => {
  for (const value of [
    'Smith, John',
    'a+b',
    '"quoted"',
    '<x>;y=z',
    'back\\slash',
    '#hash',
    ' lead',
    'trail ',
    'Jürgen Größe',
    'nul\0',
  ]) {
    const dn = `CN=${escapeDnValue(value)},OU=People,DC=example,DC=com`;
    assert.equal(firstRdnValue(dn), value, dn);
    assert.equal(parseDn(dn).length, 4, dn);
  }
});

it('DNs with hex escapes, multi-valued RDNs and spaces parse', () => {
  assert.deepEqual(parseDn('cn=R&D\\2C Europe+ou=x, dc=example'), [
    [
      { type: 'cn', value: 'R&D, Europe' },
      { type: 'ou', value: 'x' },
    ],
    [{ type: 'dc', value: 'example' }],
  ]);
  assert.equal(firstRdnValue('uid=j\\C3\\BCrgen,ou=people'), 'jürgen');
  assert.throws(() => parseDn('no equals sign'), /invalid DN/);
  assert.throws(() => parseDn('cn=x\\'), /invalid DN/);
});

it('normalized DNs compare equal across case and escaping styles', () => {
  assert.equal(
    normalizeDn('CN=R&D\\, Europe,OU=Groups,DC=Example'),
    normalizeDn('cn=r&d\\2c europe, ou=groups, dc=example'),
  );
  assert.notEqual(normalizeDn('cn=a,dc=x'), normalizeDn('cn=b,dc=x'));
});
