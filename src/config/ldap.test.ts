import { it } from 'mocha';
import assert from 'node:assert/strict';
import { ldapConfig } from './ldap.ts';

const minimal = { urls: ['ldaps://dc1.example.com'], baseDns: ['DC=example,DC=com'] };

it('AD defaults: objectGUID, sAMAccountName then UPN, nested groups on', () => {
  const c = ldapConfig.parse(minimal);
  assert.equal(c.flavor, 'ad');
  assert.deepEqual(c.loginAttributes, ['sAMAccountName', 'userPrincipalName']);
  assert.equal(c.attributes.id, 'objectGUID');
  assert.equal(c.nestedGroups, true);
  assert.equal(c.tls.verify, true);
  assert.equal(c.connectTimeout, 5000);
  assert.deepEqual(c.pool, { size: 8, idle: 60_000 });
});

it('plain LDAP defaults: entryUUID, uid, nested groups off', () => {
  const c = ldapConfig.parse({ ...minimal, flavor: 'ldap', operationTimeout: '2s' });
  assert.equal(c.attributes.id, 'entryUUID');
  assert.deepEqual(c.loginAttributes, ['uid']);
  assert.equal(c.nestedGroups, false);
  assert.equal(c.operationTimeout, 2000);
});

it('bad values are refused with the key and what is expected', () => {
  const cases: [object, string, RegExp][] = [
    [{ ...minimal, urls: ['http://dc1'] }, 'urls.0', /ldap:\/\/host/],
    [{ ...minimal, urls: [] }, 'urls', /./],
    [{ ...minimal, connectTimeout: 'soon' }, 'connectTimeout', /duration/],
    [
      { ...minimal, bind: { dn: 'CN=svc,DC=x', upn: 'svc@x', passwordEnv: 'P' } },
      'bind',
      /exactly one of "dn" or "upn"/,
    ],
    [{ ...minimal, bind: { dn: 'CN=svc,DC=x' } }, 'bind', /exactly one of "passwordFile" or "passwordEnv"/],
    [{ ...minimal, starttls: true }, 'starttls', /ldap:\/\/ URLs only/],
    [{ ...minimal, flavor: 'novell' }, 'flavor', /ad|ldap/],
    [{ ...minimal, loginAttributes: ['sAMAccountName)(x'] }, 'loginAttributes.0', /attribute name/],
    [{ ...minimal, pool: { size: 0 } }, 'pool.size', /./],
    [{ ...minimal, userFilter: 'objectClass=user' }, 'userFilter', /parentheses/],
    [{ ...minimal, typo: 1 }, '', /typo/],
  ];
  for (const [input, key, message] of cases) {
    const result = ldapConfig.safeParse(input);
    assert.equal(result.success, false, JSON.stringify(input));
    const issue = result.error!.issues.find((i) => i.path.join('.') === key);
    assert.ok(issue, `${key}: ${JSON.stringify(result.error!.issues)}`);
    assert.match(issue.message + JSON.stringify(issue), message, key);
  }
});

it('the example configurations load through the real loader', async () => {
  const { loadConfig } = await import('./load.ts');
  for (const file of ['config/examples/ad.yaml', 'config/examples/openldap.yaml']) {
    const config = loadConfig({ file, env: {}, cwd: new URL('../..', import.meta.url).pathname });
    assert.equal(config.directory.type, 'ldap', file);
    assert.ok(config.directory.ldap!.urls.length >= 2, file);
  }
  const ad = loadConfig({ file: 'config/examples/ad.yaml', env: {}, cwd: new URL('../..', import.meta.url).pathname });
  assert.deepEqual(ad.directory.ldap!.attributes.extra, ['department', 'employeeID']);
});
