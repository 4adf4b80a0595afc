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

// Each node keeps the SPs it trusts in memory, so single sign-on looks them up without the store.
// An SP's options edited in the console through one node are in force on the other at once (the
// change is announced on the store's channel and every node reads the SPs again): a node never
// answers from what an administrator has just taken away.

const PASSWORD = 'correct horse battery';
const ENTITY = 'https://hr.sp.test/metadata';
let redis: RedisServer;
let a: InProcessLatch;
let b: InProcessLatch;
let token: string;

before(async () => {
  redis = await startRedis();
  const store = { type: 'redis', redis: { url: redis.url, keyPrefix: 'latch-sp-changes:' } };
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

const call = (method: string, url: string, body: unknown) =>
  fetch(`${a.url}/admin/api/v1${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** Polls node b until `check` holds; fails after 2 s. */
async function onNodeB(check: () => boolean, what: string): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > 2000) assert.fail(`${what} did not reach node b within 2 s`);
    await sleep(5);
  }
}

it("an SP's options edited on one node: the other's cached SP changes at once, and its sign-ins with it", async () => {
  const added = await call('POST', '/applications/saml', {
    key: 'hr',
    name: 'HR',
    allowIdpInitiated: true,
    metadataXml: spMetadataXml({ entityId: ENTITY, acs: ['https://hr.sp.test/acs'] }),
  });
  assert.equal(added.status, 201, await added.text());
  await onNodeB(() => b.services.saml.registry.get(ENTITY)?.options.allowIdpInitiated === true, 'the new SP');
  const browser = new HttpClient(b.url);
  const init = `/saml2/idp/init?sp=${encodeURIComponent(ENTITY)}`;
  const done = await browser.submit(await browser.passwordPage('alice', await browser.get(init)), {
    password: PASSWORD,
  });
  assert.equal(samlAnswer(done)?.action, 'https://hr.sp.test/acs', 'node b starts alice at the SP');
  assert.ok(samlAnswer(await browser.get(init)), 'and again from her session');

  const edited = await call('PUT', '/applications/saml/hr/options', { name: 'HR (closed)', allowIdpInitiated: false });
  assert.equal(edited.status, 200, await edited.text());
  await onNodeB(() => b.services.saml.registry.get(ENTITY)?.options.allowIdpInitiated === false, 'the edit');
  assert.equal(b.services.saml.registry.get(ENTITY)?.options.name, 'HR (closed)');
  const refused = await browser.get(init);
  assert.equal(refused.status, 404);
  assert.match(refused.text, /This application cannot be started from Latch\./);
});
