import { after, before, describe, it } from 'mocha';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminTokens } from '../../src/admin/tokens.ts';
import type { AdminRole } from '../../src/config/admin.ts';
import { browserIdOf } from '../../src/authn/user-browsers.ts';
import { HttpClient } from '../support/http-client.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { spMetadataXml } from '../support/sp-metadata.ts';

// The admin API over HTTP, as a script uses it: a bearer token per role, every operation, each
// role's limits (403 and an audit entry), bad input (an error naming the field, nothing changed),
// revocation, and the audit log's before/after.

const PASSWORD = 'correct horse battery';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

let latch: InProcessLatch;
const tokens: Partial<Record<AdminRole, string>> = {};
let slow: Server;
let slowUrl: string;

interface Answer {
  status: number;
  json: Record<string, unknown>;
  text: string;
  headers: Headers;
}

async function api(role: AdminRole | string, method: string, path: string, body?: unknown): Promise<Answer> {
  const token = tokens[role as AdminRole] ?? role;
  const res = await fetch(`${latch.url}/admin/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // a download
  }
  return { status: res.status, json, text, headers: res.headers };
}

type Entry = Record<string, unknown>;
const entries = (a: Answer) => a.json.entries as Entry[];
async function lastAudit(): Promise<Entry> {
  const audit = await api('owner', 'GET', '/audit-log?limit=1');
  return entries(audit)[0]!;
}

before(async () => {
  latch = await startTestLatch({
    host: 'localhost',
    users: [
      {
        username: 'alice',
        password: PASSWORD,
        email: 'alice@example.test',
        displayName: 'Alice Liddell',
        groups: ['staff', 'pilot'],
      },
      { username: 'bob', password: PASSWORD, email: 'bob@example.test', groups: ['staff'] },
      { username: 'carol', password: PASSWORD, groups: ['it'] },
    ],
    config: {
      saml: {
        serviceProviders: {
          wiki: {
            metadataXml: spMetadataXml({
              entityId: 'https://wiki.sp.test/metadata',
              acs: ['https://wiki.sp.test/acs'],
            }),
            name: 'Wiki',
          },
        },
      },
      oidc: {
        clients: [
          {
            client_id: 'file-app',
            client_secret: 'a-client-secret-that-is-long-enough-0123456789',
            redirect_uris: ['https://file.test/cb'],
          },
        ],
      },
      admin: { metadataTimeout: '1s' },
    },
  });
  const made = new AdminTokens(latch.services.store);
  for (const role of ['owner', 'administrator', 'help-desk', 'read-only'] as const) {
    const result = await made.create(`test-${role}`, role, 'test');
    assert.ok(result.ok);
    tokens[role] = result.token;
  }
  await latch.services.passcodes.credentials.addApp('id-alice', 'app-1', TOTP_SECRET, 0);
  slow = createServer((req, res) => {
    if (req.url === '/500') return void res.writeHead(500).end('broken');
    if (req.url === '/big')
      return void res
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(`<x>${'a'.repeat(3 * 1024 * 1024)}</x>`);
    // /slow never answers
  });
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
});
after(async () => {
  slow.closeAllConnections();
  slow.close();
  await latch.stop();
});

describe('admin API: tokens and the OpenAPI document', () => {
  it('serves an OpenAPI 3.1 document naming every operation', async () => {
    const res = await fetch(`${latch.url}/admin/api/v1/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    assert.equal(doc.openapi, '3.1.0');
    const ids = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    for (const id of [
      'searchUsers',
      'getUser',
      'removeAuthenticator',
      'removeAllAuthenticators',
      'generateBypassCodes',
      'signOutUser',
      'exportUsers',
      'createSamlApplication',
      'createOidcClient',
      'updateOidcClient',
      'rotateOidcClientSecret',
      'setGroupPolicies',
      'listAdminRoles',
      'grantAdminRole',
      'revokeAdminRole',
      'setGlobalPolicy',
      'setApplicationPolicy',
      'setPasswordless',
      'effectivePolicy',
      'searchAuthLog',
      'exportAuthLog',
      'searchAuditLog',
    ]) {
      assert.ok(ids.includes(id), `${id} is described`);
    }
  });

  it('refuses a request without a token, or with a wrong one, with 401 in JSON', async () => {
    const none = await fetch(`${latch.url}/admin/api/v1/users`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /Bearer/);
    const body = (await none.json()) as { error: string; error_description: string };
    assert.equal(body.error, 'unauthorized');
    assert.match(body.error_description, /npx latch admin token create/);
    const forged = `${tokens.owner!.slice(0, -4)}AAAA`;
    assert.equal((await api(forged, 'GET', '/users')).status, 401);
  });

  it('a revoked token is refused at once; the list holds no secret', async () => {
    const made = new AdminTokens(latch.services.store);
    const result = await made.create('short-lived', 'read-only', 'test');
    assert.ok(result.ok);
    assert.equal((await api(result.token, 'GET', '/users')).status, 200);
    const listed = await made.list();
    assert.ok(listed.some((t) => t.name === 'short-lived' && t.lastUsedAt !== null));
    assert.ok(!JSON.stringify(listed).includes(result.token.split('.')[2]!), 'no secret in the list');
    await made.revoke('short-lived');
    assert.equal((await api(result.token, 'GET', '/users')).status, 401);
  });
});

describe('admin API: users', () => {
  it('searches by name, email or group, and shows a user with groups and every authenticator', async () => {
    const byEmail = await api('read-only', 'GET', '/users?q=bob%40example');
    assert.deepEqual(
      (byEmail.json.users as Entry[]).map((u) => u.username),
      ['bob'],
    );
    const byGroup = await api('help-desk', 'GET', '/users?group=staff&sort=username&order=desc');
    assert.deepEqual(
      (byGroup.json.users as Entry[]).map((u) => u.username),
      ['bob', 'alice'],
    );

    const alice = await api('help-desk', 'GET', '/users/alice');
    assert.equal(alice.status, 200);
    const user = alice.json.user as Entry;
    assert.deepEqual(user.groups, ['staff', 'pilot']);
    assert.equal(user.disabled, false);
    const authenticators = alice.json.authenticators as Entry[];
    assert.deepEqual(
      authenticators.map((a) => [a.method, a.id, a.kind, a.passwordless]),
      [['passcodes', 'app-1', 'Authenticator app', false]],
    );

    const missing = await api('help-desk', 'GET', '/users/nobody');
    assert.equal(missing.status, 404);
    assert.match(String(missing.json.error_description), /No user "nobody"/);
  });

  it('makes bypass codes (shown once, not audited) and checks their options by field', async () => {
    const bad = await api('help-desk', 'POST', '/users/bob/bypass-codes', { count: 500, expires: 'forever' });
    assert.equal(bad.status, 400);
    const fields = (bad.json.problems as Entry[]).map((p) => p.field).sort();
    assert.deepEqual(fields, ['count', 'expires']);
    assert.equal(
      (await api('help-desk', 'GET', '/users/bob')).json.bypassCodes &&
        ((await api('help-desk', 'GET', '/users/bob')).json.bypassCodes as Entry).usable,
      0,
      'nothing was made',
    );

    const made = await api('help-desk', 'POST', '/users/bob/bypass-codes', { count: 2, expires: '8h' });
    assert.equal(made.status, 201);
    const codes = made.json.codes as string[];
    assert.equal(codes.length, 2);
    assert.equal(((await api('help-desk', 'GET', '/users/bob')).json.bypassCodes as Entry).usable, 2);
    const audit = await lastAudit();
    assert.equal(audit.action, 'generateBypassCodes');
    assert.equal(audit.actor, 'test-help-desk');
    assert.ok(!JSON.stringify(audit).includes(codes[0]!), 'the codes are not in the audit log');
    const more = await api('help-desk', 'POST', '/users/carol/bypass-codes', { count: 3 });
    assert.equal(more.status, 201);
    const revoked = await api('help-desk', 'DELETE', '/users/carol/bypass-codes');
    assert.equal(revoked.json.revoked, 3);
    assert.equal(((await api('help-desk', 'GET', '/users/carol')).json.bypassCodes as Entry).usable, 0);
  });

  it('removes one authenticator, with its before state in the audit log', async () => {
    const removed = await api('help-desk', 'DELETE', '/users/alice/authenticators/passcodes/app-1');
    assert.equal(removed.status, 200);
    assert.equal((removed.json.removed as Entry).id, 'app-1');
    assert.equal(removed.json.remainingFactors, 0);
    assert.deepEqual((await api('help-desk', 'GET', '/users/alice')).json.authenticators, []);
    const audit = await lastAudit();
    assert.equal(audit.action, 'removeAuthenticator');
    assert.equal(audit.result, 'done');
    assert.equal((audit.before as Entry).id, 'app-1');
    assert.equal(audit.ip, '127.0.0.1');
    const again = await api('help-desk', 'DELETE', '/users/alice/authenticators/passcodes/app-1');
    assert.equal(again.status, 404);
  });

  it('removes every authenticator of a user, and signs a user out everywhere', async () => {
    await latch.services.passcodes.credentials.addApp('id-bob', 'app-b', TOTP_SECRET, 0);
    const all = await api('administrator', 'DELETE', '/users/bob/authenticators');
    assert.equal(all.status, 200);
    assert.equal(all.json.removed, 3, 'the app and two bypass codes');
    assert.deepEqual((await api('read-only', 'GET', '/users/bob')).json.authenticators, []);

    const browser = new HttpClient(latch.url);
    await browser.submit(await browser.passwordPage('carol'), { password: PASSWORD });
    assert.equal((await api('read-only', 'GET', '/users/carol')).json.sessions, 1);
    const out = await api('help-desk', 'POST', '/users/carol/sign-out');
    assert.equal(out.json.ended, 1);
    assert.equal((await api('read-only', 'GET', '/users/carol')).json.sessions, 0);
  });

  it('lists the browsers a user signed in with and what each may skip, and forgets one: the second factor is asked again', async () => {
    const chrome =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    await latch.services.browsers.signedIn('device-1', 'id-carol', { userAgent: chrome, ip: '203.0.113.5' });
    await latch.services.remembered.remember('device-1', 'id-carol', {
      kind: 'passcode',
      method: 'passcodes',
      scope: 'all',
      appId: 'wiki',
      expiresAt: Date.now() + 86_400_000,
    });
    const listed = (await api('help-desk', 'GET', '/users/carol')).json.authenticators as Entry[];
    const id = browserIdOf('device-1');
    assert.deepEqual(
      listed.map((a) => [a.method, a.id, a.kind, a.factor]),
      [['browser', id, 'Browser', false]],
    );
    assert.notEqual(id, 'device-1', 'the known-device id itself is never shown');
    assert.match(
      String(listed[0]!.name),
      /^Chrome 131 on Windows 10 from 203\.0\.113\.5: skips the second factor for every application until 20\d\d-/,
    );
    assert.equal((await api('help-desk', 'DELETE', `/users/carol/authenticators/browser/${id}`)).status, 200);
    assert.equal(await latch.services.remembered.covering('device-1', 'id-carol', 'wiki', ['passcode']), undefined);
    assert.deepEqual((await api('help-desk', 'GET', '/users/carol')).json.authenticators, []);
    assert.deepEqual(await latch.services.browsers.list('id-carol'), [], 'the account page no longer lists it either');
  });

  it('makes a one-time activation link for the phone app, not written to the audit log', async () => {
    const made = await api('help-desk', 'POST', '/users/alice/phone-activation');
    assert.equal(made.status, 201);
    const url = String(made.json.url);
    assert.ok(url.startsWith(`${latch.url}/authenticator/#activate=`), url);
    const audit = await lastAudit();
    assert.equal(audit.action, 'createActivationLink');
    assert.ok(!JSON.stringify(audit).includes(url.split('=')[1]!));
    assert.equal((await api('read-only', 'POST', '/users/alice/phone-activation')).status, 403);
  });

  it('exports every user as CSV and JSON with their enrolment', async () => {
    const csv = await api('read-only', 'GET', '/users/export?format=csv');
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-disposition') ?? '', /latch-users\.csv/);
    const lines = csv.text.trim().split('\r\n');
    assert.equal(lines[0], 'Username,Email,Groups,Authenticators,Passwordless Enabled,Last Sign-in');
    assert.ok(
      lines.some((l) => l.startsWith('carol,,it,,no,20')),
      `carol signed in: ${lines.join(' | ')}`,
    );
    const json = JSON.parse((await api('read-only', 'GET', '/users/export?format=json')).text) as Entry[];
    assert.deepEqual(json.map((u) => u.username).sort(), ['alice', 'bob', 'carol']);
    assert.equal((await api('help-desk', 'GET', '/users/export')).status, 403, 'the help desk does not export');
  });
});

describe('admin API: roles', () => {
  it('refuses what a role may not do with 403, writes the refusal to the audit log, and changes nothing', async () => {
    const cases: Array<[AdminRole, string, string, unknown]> = [
      ['read-only', 'DELETE', '/users/alice/authenticators', undefined],
      [
        'help-desk',
        'POST',
        '/applications/saml',
        { key: 'x', entityId: 'https://x.test', acs: [{ url: 'https://x.test/acs' }] },
      ],
      ['help-desk', 'PUT', '/policies/global', { deny: true }],
      ['administrator', 'PUT', '/policies/passwordless', { passwordless: 'off' }],
    ];
    for (const [role, method, path, body] of cases) {
      const refused = await api(role, method, path, body);
      assert.equal(refused.status, 403, `${role} ${method} ${path}`);
      assert.equal(refused.json.error, 'forbidden');
      const audit = await lastAudit();
      assert.equal(audit.result, 'refused');
      assert.equal(audit.actor, `test-${role}`);
      assert.match(String(audit.reason), /role does not allow/);
    }
    assert.equal((await api('owner', 'GET', '/policies')).json.passwordless, 'allowed');
    assert.equal((await api('owner', 'GET', '/applications/saml/x')).status, 404);
    assert.equal((await api('read-only', 'GET', '/audit-log')).status, 200);
    assert.equal((await api('help-desk', 'GET', '/audit-log')).status, 403);
  });
});

describe('admin API: applications', () => {
  const ENTITY = 'https://crm.sp.test/metadata';

  it('adds a SAML SP from its metadata, and users sign in to it at once', async () => {
    const added = await api('administrator', 'POST', '/applications/saml', {
      key: 'crm',
      name: 'CRM',
      metadataXml: spMetadataXml({ entityId: ENTITY, acs: ['https://crm.sp.test/acs'] }),
    });
    assert.equal(added.status, 201, added.text);
    assert.equal(added.json.managedBy, 'console');
    const browser = new HttpClient(latch.url);
    const prompt = await browser.get(`/saml2/idp/init?sp=${encodeURIComponent(ENTITY)}`);
    const done = await browser.submit(await browser.passwordPage('carol', prompt), { password: PASSWORD });
    assert.match(done.text, /action="https:\/\/crm\.sp\.test\/acs"/, 'the CRM gets its SAML response');
    const apps = (await api('read-only', 'GET', '/applications')).json.applications as Entry[];
    assert.deepEqual(apps.map((a) => [a.key, a.managedBy]).sort(), [
      ['crm', 'console'],
      ['file-app', 'file'],
      ['wiki', 'file'],
    ]);
    const metadata = await api('read-only', 'GET', '/applications/saml/crm/idp-metadata');
    assert.match(metadata.headers.get('content-disposition') ?? '', /latch-idp-crm\.xml/);
    assert.match(metadata.text, /IDPSSODescriptor/);
    const certificate = await api('read-only', 'GET', '/applications/saml/crm/signing-certificate');
    assert.match(certificate.headers.get('content-disposition') ?? '', /latch-signing-crm\.pem/);
    assert.match(certificate.text, /^-----BEGIN CERTIFICATE-----/);
    const detail = await api('read-only', 'GET', '/applications/saml/crm');
    assert.deepEqual(
      [detail.json.id, detail.json.acs, detail.json.managedBy],
      [ENTITY, ['https://crm.sp.test/acs'], 'console'],
    );
  });

  it('refuses bad SPs with the field and why, and changes nothing', async () => {
    const count = async () => ((await api('read-only', 'GET', '/applications')).json.applications as Entry[]).length;
    const before = await count();
    const cases: Array<[unknown, number, string, RegExp]> = [
      [{ key: 'bad', metadataXml: '<not-metadata/>' }, 400, 'metadataXml', /cannot be used/],
      [
        {
          key: 'plain',
          metadataXml: spMetadataXml({ entityId: 'https://plain.test', acs: ['http://plain.example.com/acs'] }),
        },
        400,
        'metadataXml',
        /not https/,
      ],
      [
        {
          key: 'dup',
          metadataXml: spMetadataXml({ entityId: 'https://wiki.sp.test/metadata', acs: ['https://dup.test/acs'] }),
        },
        409,
        'metadataXml',
        /already registered/,
      ],
      [
        { key: 'crm', entityId: 'https://other.test', acs: [{ url: 'https://other.test/acs' }] },
        409,
        'key',
        /exists already/,
      ],
      [{ key: 'slow', metadataUrl: `${slowUrl}/slow` }, 400, 'metadataUrl', /could not be fetched/],
      [{ key: 'broken', metadataUrl: `${slowUrl}/500` }, 400, 'metadataUrl', /could not be fetched/],
      [{ key: 'http', metadataUrl: 'http://metadata.example.com/sp.xml' }, 400, 'metadataUrl', /not https/],
      [{ key: 'big', metadataUrl: `${slowUrl}/big` }, 400, 'metadataUrl', /larger than 2097152 bytes/],
      [
        { key: 'preset', entityId: 'https://p.test', acs: [{ url: 'https://p.test/acs' }], preset: 'sap' },
        400,
        'preset',
        /expected adfs, okta or pingfederate/,
      ],
      [
        { key: 'opts', entityId: 'https://o.test', acs: [{ url: 'https://o.test/acs' }], nameIdFormat: 'email' },
        400,
        'nameIdFormat',
        /expected unspecified, emailAddress/,
      ],
      [
        { key: 'bad key!', entityId: 'https://k.test', acs: [{ url: 'https://k.test/acs' }] },
        400,
        'key',
        /expected 1-64 letters/,
      ],
    ];
    for (const [body, status, field, message] of cases) {
      const refused = await api('administrator', 'POST', '/applications/saml', body);
      assert.equal(refused.status, status, refused.text);
      const problem = (refused.json.problems as Entry[]).find((p) => p.field === field);
      assert.ok(problem, `${field} named in ${refused.text}`);
      assert.match(String(problem.message), message);
    }
    const audit = await lastAudit();
    assert.deepEqual(
      [audit.action, audit.result, audit.actor],
      ['createSamlApplication', 'refused', 'test-administrator'],
    );
    assert.match(String(audit.reason), /key: expected 1-64 letters/);
    const huge = await api('administrator', 'POST', '/applications/saml', {
      key: 'huge',
      metadataXml: 'x'.repeat(4 * 1024 * 1024),
    });
    assert.equal(huge.status, 413);
    assert.equal(await count(), before, 'nothing was added');
  });

  it('adds an SP by hand from a preset', async () => {
    const added = await api('administrator', 'POST', '/applications/saml', {
      key: 'fs',
      preset: 'adfs',
      entityId: 'https://fs.example.com/adfs/services/trust',
      acs: [{ url: 'https://fs.example.com/adfs/ls/' }],
    });
    assert.equal(added.status, 201, added.text);
    assert.deepEqual(added.json.options, { preset: 'adfs' });
    assert.deepEqual(added.json.acs, ['https://fs.example.com/adfs/ls/']);
    assert.equal((await api('administrator', 'DELETE', '/applications/saml/fs')).status, 200);
  });

  it("changes a console SP's options and removes it; file SPs are read-only", async () => {
    const changed = await api('administrator', 'PUT', '/applications/saml/crm/options', {
      name: 'Sales CRM',
      nameIdFormat: 'emailAddress',
    });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.json.name, 'Sales CRM');
    const audit = await lastAudit();
    assert.deepEqual(audit.before, { name: 'CRM' });
    assert.deepEqual(audit.after, { name: 'Sales CRM', nameIdFormat: 'emailAddress' });
    const file = await api('administrator', 'PUT', '/applications/saml/wiki/options', { name: 'x' });
    assert.equal(file.status, 409);
    assert.match(String(file.json.error_description), /managed by file/);
    assert.equal((await api('administrator', 'DELETE', '/applications/saml/crm')).status, 200);
    const gone = await new HttpClient(latch.url).get(`/saml2/idp/init?sp=${encodeURIComponent(ENTITY)}`);
    assert.notEqual(gone.status, 200);
  });

  it('adds an OIDC client with its secret shown once, rotates it, and refuses a redirect URI with a fragment', async () => {
    const fragment = await api('administrator', 'POST', '/applications/oidc', {
      client_id: 'frag',
      redirect_uris: ['https://app.test/cb#x'],
    });
    assert.equal(fragment.status, 400);
    assert.equal((fragment.json.problems as Entry[])[0]!.field, 'redirect_uris.0');
    const added = await api('administrator', 'POST', '/applications/oidc', {
      client_id: 'reports',
      client_name: 'Reports',
      redirect_uris: ['https://reports.test/cb'],
    });
    assert.equal(added.status, 201, added.text);
    const secret = String(added.json.client_secret);
    assert.ok(secret.length >= 32);
    const shown = await api('administrator', 'GET', '/applications/oidc/reports');
    assert.equal(shown.json.client_secret, undefined);
    assert.ok(!JSON.stringify(await lastAudit()).includes(secret));

    const token = async (s: string) =>
      fetch(`${latch.url}/oidc/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`reports:${s}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=authorization_code&code=nothing&redirect_uri=https%3A%2F%2Freports.test%2Fcb',
      }).then(async (r) => ((await r.json()) as { error: string }).error);
    assert.equal(await token(secret), 'invalid_grant', 'the secret authenticates the client');
    const rotated = await api('administrator', 'POST', '/applications/oidc/reports/secret');
    assert.notEqual(rotated.json.client_secret, secret);
    assert.equal(await token(secret), 'invalid_client', 'the old secret is refused');
    assert.equal(await token(String(rotated.json.client_secret)), 'invalid_grant');
    assert.equal((await api('administrator', 'DELETE', '/applications/oidc/file-app')).status, 409);
    const pilot = await api('administrator', 'PUT', '/policies/applications/reports', {
      passwordless: [],
      groups: [{ group: 'pilot', passwordless: ['platform'] }],
    });
    assert.equal(pilot.status, 200, pilot.text);
    const forAlice = await api('read-only', 'GET', '/policies/effective?user=alice&app=reports');
    assert.deepEqual(
      [(forAlice.json.policy as Entry).passwordless, (forAlice.json.reasons as Entry).passwordless],
      [['platform'], 'application reports group pilot'],
    );
    const forBob = await api('read-only', 'GET', '/policies/effective?user=bob&app=reports');
    assert.deepEqual((forBob.json.policy as Entry).passwordless, []);
    const badGroup = await api('administrator', 'PUT', '/policies/applications/reports', {
      groups: [{ passwordless: ['face'] }],
    });
    assert.deepEqual((badGroup.json.problems as Entry[]).map((p) => p.field).sort(), [
      'groups.0.group',
      'groups.0.passwordless.0',
    ]);
    assert.equal(
      (await api('administrator', 'PUT', '/policies/applications/file-app', {})).status,
      409,
      "a file client's policy is in its file",
    );
    assert.equal((await api('administrator', 'DELETE', '/applications/oidc/reports')).status, 200);
    assert.equal((await api('read-only', 'GET', '/applications/oidc/reports')).status, 404);
    assert.equal(
      await token(String(rotated.json.client_secret)),
      'invalid_client',
      'a removed client is refused at once',
    );
  });
});

describe('admin API: policies', () => {
  it('validates a layer as the config file does, and changes nothing on bad input', async () => {
    const bad = await api('administrator', 'PUT', '/policies/global', {
      rememberDevice: { lifetime: 'forever' },
      newUser: 'maybe',
      colour: 'red',
    });
    assert.equal(bad.status, 400);
    assert.deepEqual((bad.json.problems as Entry[]).map((p) => p.field).sort(), [
      'colour',
      'newUser',
      'rememberDevice.lifetime',
    ]);
    assert.equal((await api('read-only', 'GET', '/policies')).json.consoleDefault, null);
  });

  it('explains the effective policy with the layer behind each setting', async () => {
    assert.equal(
      (await api('administrator', 'PUT', '/policies/global', { newUser: 'require-enrollment' })).status,
      200,
    );
    const effective = await api(
      'read-only',
      'GET',
      `/policies/effective?user=alice&app=${encodeURIComponent('https://wiki.sp.test/metadata')}`,
    );
    assert.equal((effective.json.policy as Entry).newUser, 'require-enrollment');
    assert.equal((effective.json.reasons as Entry).newUser, 'console default');
    const unknown = await api('read-only', 'GET', '/policies/effective?user=alice&app=nowhere');
    assert.equal(unknown.status, 400);
    assert.equal((unknown.json.problems as Entry[])[0]!.field, 'app');
  });

  it('lets only an owner turn passwordless off for the organisation', async () => {
    const off = await api('owner', 'PUT', '/policies/passwordless', { passwordless: 'off' });
    assert.equal(off.status, 200);
    const effective = await api('read-only', 'GET', '/policies/effective?user=alice&app=file-app');
    assert.deepEqual((effective.json.policy as Entry).passwordless, []);
    assert.match(String((effective.json.reasons as Entry).passwordless), /passwordless sign-in off/);
    const audit = await lastAudit();
    assert.deepEqual([audit.before, audit.after], [{ passwordless: 'allowed' }, { passwordless: 'off' }]);
    assert.equal((await api('owner', 'PUT', '/policies/passwordless', { passwordless: 'maybe' })).status, 400);
    await api('owner', 'PUT', '/policies/passwordless', { passwordless: 'allowed' });
  });
});

describe('admin API: the authentication log', () => {
  it('filters, pages newest first, and exports the filtered view as CSV', async () => {
    for (let i = 0; i < 3; i++) {
      const browser = new HttpClient(latch.url);
      await browser.submit(await browser.passwordPage('bob'), { password: 'wrong password' });
    }
    const failures = await api('help-desk', 'GET', '/auth-log?user=BOB&result=failure&limit=2');
    assert.equal(failures.status, 200);
    const first = entries(failures);
    assert.equal(first.length, 2);
    assert.ok(first.every((e) => e.user === 'bob' && e.result === 'failure' && e.ip === '127.0.0.1'));
    assert.ok((first[0]!.time as number) >= (first[1]!.time as number), 'newest first');
    const next = await api(
      'help-desk',
      'GET',
      `/auth-log?user=bob&result=failure&limit=2&cursor=${String(failures.json.next)}`,
    );
    assert.equal(entries(next).length, 1);

    const csv = await api('help-desk', 'GET', '/auth-log/export?user=bob&result=failure&format=csv');
    const lines = csv.text.trim().split('\r\n');
    assert.equal(lines[0], 'Time,User,Application,Event,Result,Reason,Methods,Authenticators,IP,User Agent');
    assert.equal(lines.length, 4);
    assert.ok(
      lines.slice(1).every((l) => /^20\d\d-.*,bob,.*,failure,.*127\.0\.0\.1/.test(l)),
      lines.join('\n'),
    );

    const bad = await api('help-desk', 'GET', '/auth-log?from=yesterday&limit=0');
    assert.equal(bad.status, 400);
    assert.deepEqual((bad.json.problems as Entry[]).map((p) => p.field).sort(), ['from', 'limit']);
  });
});

describe('retention', () => {
  it('every node trims the authentication log and the audit log past their retention', async () => {
    const short = await startTestLatch({
      users: [{ username: 'dan', password: PASSWORD }],
      config: { authLog: { retention: '1s', trimEvery: '1s' }, admin: { auditRetention: '1s' } },
    });
    try {
      const browser = new HttpClient(short.url);
      await browser.submit(await browser.passwordPage('dan'), { password: 'wrong' });
      const made = await new AdminTokens(short.services.store).create('ops', 'owner', 'test');
      assert.ok(made.ok);
      await fetch(`${short.url}/admin/api/v1/policies/global`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${made.token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      assert.ok((await short.services.authLog.query({})).length > 0);
      await new Promise((resolve) => setTimeout(resolve, 3500));
      assert.deepEqual(await short.services.authLog.query({}), []);
      const audit = await fetch(`${short.url}/admin/api/v1/audit-log?action=setGlobalPolicy`, {
        headers: { authorization: `Bearer ${made.token}` },
      });
      assert.deepEqual(((await audit.json()) as { entries: unknown[] }).entries, []);
    } finally {
      await short.stop();
    }
  });
});
