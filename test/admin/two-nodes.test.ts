import { after, before, it } from 'mocha';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AdminTokens } from '../../src/admin/tokens.ts';
import { HttpClient } from '../support/http-client.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { startRedis, type RedisServer } from '../support/redis-server.ts';
import { samlAnswer } from '../support/sso-client.ts';
import { spMetadataXml } from '../support/sp-metadata.ts';

// Two nodes sharing Redis: an application or policy changed through one node's API is in force on
// the other at once (announced on the store's channel), with no restart. Each node keeps the SPs it
// trusts in memory (single sign-on looks them up without the store): an edit reaches that cache too.

const PASSWORD = 'correct horse battery';
const ENTITY = 'https://erp.sp.test/metadata';
let redis: RedisServer;
let a: InProcessLatch;
let b: InProcessLatch;
let token: string;

before(async () => {
  redis = await startRedis();
  const store = { type: 'redis', redis: { url: redis.url, keyPrefix: 'latch-admin-test:' } };
  a = await startTestLatch({
    host: 'localhost',
    users: [{ username: 'alice', password: PASSWORD }],
    config: { store },
  });
  b = await startTestLatch({
    host: 'localhost',
    config: { store, directory: { type: 'local', local: { file: path.join(a.dataDir, 'users.yaml') } } },
  });
  const made = await new AdminTokens(a.services.store).create('ops', 'owner', 'test');
  assert.ok(made.ok);
  token = made.token;
});
after(async () => {
  await b?.stop();
  await a?.stop();
  await redis?.stop();
});

async function until(check: () => boolean, what: string): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > 2000) assert.fail(`${what} did not reach the other node within 2 s`);
    await sleep(10);
  }
  return Date.now() - start;
}

const call = (method: string, url: string, body: unknown) =>
  fetch(`${a.url}/admin/api/v1${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

it('an SP, a client and the passwordless switch changed on one node are in force on the other at once', async () => {
  const added = await call('POST', '/applications/saml', {
    key: 'erp',
    name: 'ERP',
    metadataXml: spMetadataXml({ entityId: ENTITY, acs: ['https://erp.sp.test/acs'] }),
  });
  assert.equal(added.status, 201);
  await until(() => b.services.saml.registry.get(ENTITY) !== undefined, 'the SP');
  const browser = new HttpClient(b.url);
  const prompt = await browser.get(`/saml2/idp/init?sp=${encodeURIComponent(ENTITY)}`);
  const done = await browser.submit(await browser.passwordPage('alice', prompt), { password: PASSWORD });
  assert.match(done.text, /action="https:\/\/erp\.sp\.test\/acs"/, 'node b signs alice in to the SP added on node a');

  const client = await call('POST', '/applications/oidc', {
    client_id: 'erp-api',
    redirect_uris: ['https://erp.sp.test/cb'],
  });
  assert.equal(client.status, 201);
  await until(() => b.services.oidc.clients.get('erp-api') !== undefined, 'the client');

  assert.equal((await call('PUT', '/policies/passwordless', { passwordless: 'off' })).status, 200);
  await until(() => !b.services.policies.passwordlessAllowed, 'the passwordless switch');

  assert.equal((await call('DELETE', '/applications/saml/erp', undefined)).status, 200);
  await until(() => b.services.saml.registry.get(ENTITY) === undefined, 'the removal');
});

it('a role granted, a client edited and group policies set on one node are in force on the other at once', async () => {
  assert.equal((await call('PUT', '/roles/users/alice', { role: 'help-desk' })).status, 200);
  const roles = await fetch(`${b.url}/admin/api/v1/roles`, { headers: { authorization: `Bearer ${token}` } });
  assert.deepEqual(((await roles.json()) as { roles: unknown[] }).roles, [
    { kind: 'user', name: 'alice', role: 'help-desk', managedBy: 'console' },
  ]);

  const edited = await call('PUT', '/applications/oidc/erp-api', { redirect_uris: ['https://erp.sp.test/cb2'] });
  assert.equal(edited.status, 200);
  await until(
    () => b.services.oidc.clients.get('erp-api')?.redirect_uris[0] === 'https://erp.sp.test/cb2',
    'the edited client',
  );

  const groups = [{ group: 'staff', autoPush: true }];
  assert.equal((await call('PUT', '/policies/groups', { groups })).status, 200);
  await until(
    () => b.services.policies.resolve('erp-api', ['staff']).sources.includes('console group staff'),
    'the group policies',
  );
});

it("an SP's options edited on one node change the other's cached SP at once, and its sign-ins with it", async () => {
  const entity = 'https://hr.sp.test/metadata';
  const added = await call('POST', '/applications/saml', {
    key: 'hr',
    name: 'HR',
    allowIdpInitiated: true,
    metadataXml: spMetadataXml({ entityId: entity, acs: ['https://hr.sp.test/acs'] }),
  });
  assert.equal(added.status, 201, await added.text());
  await until(() => b.services.saml.registry.get(entity)?.options.allowIdpInitiated === true, 'the new SP');
  const browser = new HttpClient(b.url);
  const init = `/saml2/idp/init?sp=${encodeURIComponent(entity)}`;
  const done = await browser.submit(await browser.passwordPage('alice', await browser.get(init)), {
    password: PASSWORD,
  });
  assert.equal(samlAnswer(done)?.action, 'https://hr.sp.test/acs', 'node b starts alice at the SP');
  assert.ok(samlAnswer(await browser.get(init)), 'and again from her session');

  const edited = await call('PUT', '/applications/saml/hr/options', { name: 'HR (closed)', allowIdpInitiated: false });
  assert.equal(edited.status, 200, await edited.text());
  await until(() => b.services.saml.registry.get(entity)?.options.allowIdpInitiated === false, 'the edit');
  assert.equal(b.services.saml.registry.get(entity)?.options.name, 'HR (closed)');
  const refused = await browser.get(init);
  assert.equal(refused.status, 404);
  assert.match(refused.text, /This application cannot be started from Latch\./);
});
