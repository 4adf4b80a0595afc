import { after, before, describe, it } from 'mocha';
import assert from 'node:assert/strict';
import { AdminTokens } from '../../src/admin/tokens.ts';
import type { AdminRole } from '../../src/config/admin.ts';
import { hiddenValue, HttpClient, visibleText, type Page } from '../support/http-client.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { totpCode } from '../support/passcodes.ts';

// The console over HTTP (signed in with a password and the app's code) and the API beside it:
// admin roles granted by owners beside the file's admin.users and admin.groups (listed, granted,
// revoked, audited; only owners; never the last owner; bad input named with nothing changed; the
// console's sign-in follows a grant at the next request), and the audit log's page.

const PASSWORD = 'correct horse battery';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

let latch: InProcessLatch;
const tokens: Partial<Record<AdminRole, string>> = {};

type Json = Record<string, unknown>;

async function api(role: AdminRole, method: string, path: string, body?: unknown) {
  const res = await fetch(`${latch.url}/admin/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens[role]}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

const roles = async () => (await api('owner', 'GET', '/roles')).json.roles as Json[];
const lastAudit = async () => ((await api('owner', 'GET', '/audit-log?limit=1')).json.entries as Json[])[0]!;

/** Signs in at /admin/ over HTTP: username, password, the app's code (the next time step each time: a code is used once), "Skip for now" when a passkey is offered. */
let signedIn: HttpClient | undefined;
/**
 * Alice's console session (each code is used once, so she signs in once): the first call signs in
 * at /admin/ over HTTP (username, password, the app's code, "Skip for now" when a passkey is
 * offered); later ones open /admin/ again.
 */
async function consoleSignIn(username: 'alice'): Promise<{ client: HttpClient; page: Page }> {
  if (signedIn) return { client: signedIn, page: await signedIn.get('/admin/') };
  const client = new HttpClient(latch.url);
  const first = await client.get('/admin/');
  assert.match(first.path, /^\/login\?tx=/);
  const passwordPage = await client.passwordPage(username, first);
  let page = await client.submit(passwordPage, { password: PASSWORD });
  page = await client.submit(page, { code: totpCode(SECRET) });
  if (/Sign in faster next time/.test(page.text)) page = await client.submit(page, {}, 'skip');
  signedIn = client;
  return { client, page };
}

/** The CSRF token of the form posting to `action` (the page's first one is the sign-out form's). */
const csrfOf = (page: Page, action: string) =>
  hiddenValue(page.text.slice(page.text.indexOf(`action="${action}"`)), 'csrf');

before(async () => {
  latch = await startTestLatch({
    host: 'localhost',
    users: [
      { username: 'alice', password: PASSWORD, groups: ['staff'] },
      { username: 'bob', password: PASSWORD, groups: ['auditors'] },
    ],
    config: {
      admin: { groups: { auditors: 'read-only' }, pageSize: 10 },
      oidc: {
        clients: [
          {
            client_id: 'file-app',
            client_secret: 'a-client-secret-that-is-long-enough-0123456789',
            redirect_uris: ['https://file.test/cb'],
          },
        ],
      },
    },
  });
  const made = new AdminTokens(latch.services.store);
  for (const role of ['owner', 'administrator'] as const) {
    const result = await made.create(`test-${role}`, role, 'test');
    assert.ok(result.ok);
    tokens[role] = result.token;
  }
  await latch.services.passcodes.credentials.addApp('id-alice', 'app-1', SECRET, 0);
});
after(() => latch.stop());

describe("the console with one administrator's password", () => {
  it('a read-only administrator without a second factor is refused, and a password-only session does not open it', async () => {
    // bob (read-only by admin.groups) has only a password: the console's sign-in cannot reach MFA.
    const client = new HttpClient(latch.url);
    const first = await client.get('/admin/');
    assert.match(first.path, /^\/login\?tx=/);
    const refused = await client.submit(await client.passwordPage('bob', first), { password: PASSWORD });
    assert.equal(refused.status, 403);
    assert.match(
      visibleText(refused.text),
      /Latch console needs a stronger sign-in than your account can give\. If you think you should have access, contact your IT help desk\./,
    );
    const again = await client.get('/admin/');
    assert.match(again.path, /^\/login\?tx=/, 'no console page: back to the sign-in');

    // A password-only session from the account page (as a stolen cookie would be) is not a console session.
    const account = new HttpClient(latch.url);
    const home = await account.submit(await account.passwordPage('bob'), {
      password: PASSWORD,
    });
    assert.match(visibleText(home.text), /Signed in as bob/);
    const console = await account.get('/admin/');
    assert.match(console.path, /^\/login\?tx=/, 'asked to sign in again, at the MFA level');
    assert.doesNotMatch(console.text, /Overview/);
  });
});

describe('admin roles over the API', () => {
  it("lists the file's roles as managed by file, grants and revokes with before/after in the audit log", async () => {
    assert.deepEqual(await roles(), [{ kind: 'group', name: 'auditors', role: 'read-only', managedBy: 'file' }]);
    const granted = await api('owner', 'PUT', '/roles/users/ALICE', { role: 'administrator' });
    assert.equal(granted.status, 200, JSON.stringify(granted.json));
    assert.deepEqual(granted.json, { kind: 'user', name: 'alice', role: 'administrator', managedBy: 'console' });
    assert.deepEqual(await roles(), [
      { kind: 'group', name: 'auditors', role: 'read-only', managedBy: 'file' },
      { kind: 'user', name: 'alice', role: 'administrator', managedBy: 'console' },
    ]);
    const audit = await lastAudit();
    assert.equal(audit.action, 'grantAdminRole');
    assert.equal(audit.target, 'user ALICE');
    assert.deepEqual([audit.result, audit.before, audit.after], ['done', { role: null }, { role: 'administrator' }]);

    const revoked = await api('owner', 'DELETE', '/roles/users/alice');
    assert.equal(revoked.status, 200);
    assert.deepEqual((await lastAudit()).after, { role: null });
    assert.equal((await roles()).length, 1);
    assert.equal((await api('owner', 'DELETE', '/roles/users/alice')).status, 404);
  });

  it('refuses a non-owner with 403 and an audit entry, and changes nothing', async () => {
    const refused = await api('administrator', 'PUT', '/roles/users/bob', { role: 'owner' });
    assert.equal(refused.status, 403);
    assert.match(String(refused.json.error_description), /administrator.*does not allow/);
    const audit = await lastAudit();
    assert.deepEqual([audit.action, audit.result, audit.actor], ['grantAdminRole', 'refused', 'test-administrator']);
    assert.equal((await roles()).length, 1);
  });

  it('names bad input (unknown role, unknown user, unknown kind) and changes nothing', async () => {
    const role = await api('owner', 'PUT', '/roles/users/alice', { role: 'superuser' });
    assert.equal(role.status, 400);
    assert.deepEqual(
      (role.json.problems as Json[]).map((p) => p.field),
      ['role'],
    );
    assert.match(String(role.json.error_description), /expected owner, administrator, help-desk or read-only/);
    const user = await api('owner', 'PUT', '/roles/users/nobody', { role: 'owner' });
    assert.equal(user.status, 400);
    assert.deepEqual(user.json.problems, [{ field: 'name', message: 'no user "nobody" in the local directory' }]);
    const kind = await api('owner', 'PUT', '/roles/teams/x', { role: 'owner' });
    assert.deepEqual(
      (kind.json.problems as Json[]).map((p) => p.field),
      ['kind'],
    );
    assert.equal((await lastAudit()).result, 'refused');
    const file = await api('owner', 'DELETE', '/roles/groups/Auditors');
    assert.equal(file.status, 409);
    assert.match(String(file.json.error_description), /managed by file/);
    assert.equal((await api('owner', 'PUT', '/roles/groups/auditors', { role: 'owner' })).status, 409);
    assert.deepEqual(await roles(), [{ kind: 'group', name: 'auditors', role: 'read-only', managedBy: 'file' }]);
  });

  it('never takes away the last owner', async () => {
    assert.equal((await api('owner', 'PUT', '/roles/groups/staff', { role: 'owner' })).status, 200);
    const demoted = await api('owner', 'PUT', '/roles/groups/staff', { role: 'read-only' });
    assert.equal(demoted.status, 409);
    assert.match(String(demoted.json.error_description), /without an owner/);
    assert.equal((await api('owner', 'DELETE', '/roles/groups/staff')).status, 409);
    assert.equal((await lastAudit()).result, 'refused');
    assert.equal((await api('owner', 'PUT', '/roles/users/bob', { role: 'owner' })).status, 200);
    assert.equal((await api('owner', 'DELETE', '/roles/groups/staff')).status, 200);
    assert.equal((await api('owner', 'DELETE', '/roles/users/bob')).status, 409);
    assert.deepEqual(await roles(), [
      { kind: 'group', name: 'auditors', role: 'read-only', managedBy: 'file' },
      { kind: 'user', name: 'bob', role: 'owner', managedBy: 'console' },
    ]);
  });
});

describe('admin roles in the console', () => {
  it('a grant lets a user in at their next request, a revocation shuts them out; an owner grants from the page', async () => {
    const { client, page } = await consoleSignIn('alice');
    assert.equal(page.status, 403);
    assert.match(visibleText(page.text), /alice is not an administrator of this Latch/);

    assert.equal((await api('owner', 'PUT', '/roles/users/alice', { role: 'owner' })).status, 200);
    const rolesPage = await client.get('/admin/roles');
    assert.equal(rolesPage.status, 200);
    const text = visibleText(rolesPage.text);
    assert.match(text, /alice \(owner\)/);
    assert.match(text, /group auditors read-only managed by file/);
    assert.match(text, /user bob owner console Revoke/);

    const done = await client.post('/admin/roles', {
      csrf: csrfOf(rolesPage, '/admin/roles'),
      kind: 'groups',
      name: 'staff',
      role: 'help-desk',
    });
    assert.equal(done.status, 200, visibleText(done.text));
    assert.match(visibleText(done.text), /group staff is help-desk now/);
    const bad = await client.post('/admin/roles', {
      csrf: csrfOf(rolesPage, '/admin/roles'),
      kind: 'users',
      name: 'nobody',
      role: 'owner',
    });
    assert.equal(bad.status, 400);
    assert.match(visibleText(bad.text), /no user "nobody"/);
    const temps = { csrf: csrfOf(rolesPage, '/admin/roles'), kind: 'groups', name: 'temps', role: 'read-only' };
    assert.equal((await client.post('/admin/roles', temps)).status, 200);
    const confirm = await client.get('/admin/roles/groups/temps/revoke');
    assert.match(visibleText(confirm.text), /temps loses the role granted in the console at their next request/);
    const revokeAction = '/admin/roles/groups/temps/revoke';
    const revoked = await client.post(revokeAction, { csrf: csrfOf(confirm, revokeAction) });
    assert.match(visibleText(revoked.text), /Revoked the role of temps/);
    assert.ok(!(await roles()).some((r) => r.name === 'temps'));

    assert.equal((await api('owner', 'DELETE', '/roles/users/alice')).status, 200);
    const helpDesk = await client.get('/admin/roles');
    assert.equal(helpDesk.status, 403, 'alice is help desk now (by staff): no Administrators page');
    assert.equal((await client.get('/admin/users')).status, 200);
    assert.equal((await api('owner', 'DELETE', '/roles/groups/staff')).status, 200);
    const out = await client.get('/admin/');
    assert.equal(out.status, 403);
    assert.match(visibleText(out.text), /alice is not an administrator/);
  });
});

describe('the audit log in the console', () => {
  it('filters by who, action and time, newest first, ten a page, for the roles that may read it', async () => {
    for (let i = 0; i < 3; i++)
      assert.equal((await api('owner', 'PUT', '/roles/users/alice', { role: 'read-only' })).status, 200);
    const { client, page } = await consoleSignIn('alice');
    assert.equal(page.status, 200);
    assert.match(visibleText(page.text), /Audit log/, 'in the navigation');

    const first = await client.get('/admin/audit?actor=TEST-OWNER&action=grantAdminRole');
    assert.equal(first.status, 200);
    const rows = [...first.text.matchAll(/<tr><td>([^<]+)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td>/g)];
    assert.equal(rows.length, 10, 'a page of ten');
    assert.ok(rows.every((r) => r[2] === 'token test-owner (owner)' && r[3] === 'grantAdminRole'));
    const times = rows.map((r) => r[1]!);
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
    assert.match(visibleText(first.text), /user alice done \{"role":null\} \{"role":"read-only"\}/);
    const older = /href="\/admin\/audit\?([^"]+)" rel="next"/.exec(first.text);
    assert.ok(older, 'a link to older entries');
    const second = await client.get(`/admin/audit?${older[1]!.replaceAll('&amp;', '&')}`);
    assert.equal(second.status, 200);
    assert.match(visibleText(second.text), /grantAdminRole/);
    assert.doesNotMatch(visibleText(second.text), /revokeAdminRole/, 'the filters carry over');

    const future = await client.get('/admin/audit?from=2999-01-01T00:00:00Z');
    assert.match(visibleText(future.text), /No entries match/);
    const bad = await client.get('/admin/audit?from=2026-11-02&to=2026-11-01');
    assert.equal(bad.status, 400);
    assert.match(visibleText(bad.text), /to : expected a time after `from`/);

    assert.equal((await api('owner', 'PUT', '/roles/users/alice', { role: 'help-desk' })).status, 200);
    assert.equal((await client.get('/admin/audit')).status, 403, 'help desk does not read the audit log');
    assert.equal((await api('owner', 'DELETE', '/roles/users/alice')).status, 200);
  });
});

describe("editing an OpenID Connect client's registration", () => {
  it('changes name, redirect URIs and type over the API, checks them as when added, and audits before/after', async () => {
    const made = await api('owner', 'POST', '/applications/oidc', {
      client_id: 'crm',
      redirect_uris: ['https://crm.test/cb'],
    });
    assert.equal(made.status, 201);
    const edit = await api('administrator', 'PUT', '/applications/oidc/crm', {
      client_name: 'CRM',
      redirect_uris: ['https://crm.test/cb2'],
      post_logout_redirect_uris: ['https://crm.test/bye'],
    });
    assert.equal(edit.status, 200, JSON.stringify(edit.json));
    assert.deepEqual(
      [edit.json.client_name, edit.json.redirect_uris, edit.json.post_logout_redirect_uris, edit.json.public],
      ['CRM', ['https://crm.test/cb2'], ['https://crm.test/bye'], false],
    );
    assert.equal(edit.json.client_secret, undefined, 'the secret is kept, not shown again');
    assert.deepEqual(latch.services.oidc.clients.get('crm')?.redirect_uris, ['https://crm.test/cb2']);
    const audit = await lastAudit();
    assert.equal(audit.action, 'updateOidcClient');
    assert.deepEqual(
      [(audit.before as Json).redirect_uris, (audit.after as Json).client_name],
      [['https://crm.test/cb'], 'CRM'],
    );

    for (const [uri, why] of [
      ['https://crm.test/cb#x', /without a fragment/],
      ['http://crm.example/cb', /is not https/],
    ] as const) {
      const bad = await api('administrator', 'PUT', '/applications/oidc/crm', { redirect_uris: [uri] });
      assert.equal(bad.status, 400);
      assert.deepEqual(
        (bad.json.problems as Json[]).map((p) => p.field),
        ['redirect_uris.0'],
      );
      assert.match(String(bad.json.error_description), why);
    }
    const notUrl = await api('administrator', 'PUT', '/applications/oidc/crm', {
      post_logout_redirect_uris: ['not a url'],
    });
    assert.deepEqual(
      (notUrl.json.problems as Json[]).map((p) => p.field),
      ['post_logout_redirect_uris.0'],
    );
    const unknown = await api('administrator', 'PUT', '/applications/oidc/crm', { client_id: 'other' });
    assert.deepEqual(unknown.json.problems, [{ field: 'client_id', message: 'unknown field' }]);
    const kept = await api('administrator', 'GET', '/applications/oidc/crm');
    assert.deepEqual([kept.json.client_name, kept.json.redirect_uris], ['CRM', ['https://crm.test/cb2']]);

    const toPublic = await api('administrator', 'PUT', '/applications/oidc/crm', { public: true });
    assert.deepEqual([toPublic.status, toPublic.json.public, toPublic.json.client_secret], [200, true, undefined]);
    assert.equal((await api('administrator', 'POST', '/applications/oidc/crm/secret')).status, 400, 'no secret left');
    const back = await api('administrator', 'PUT', '/applications/oidc/crm', { public: false });
    assert.equal(back.json.public, false);
    assert.match(String(back.json.client_secret), /^.{32,}$/, 'a new secret, shown once');
    assert.ok(!JSON.stringify(await lastAudit()).includes(String(back.json.client_secret)), 'not audited');

    const file = await api('owner', 'PUT', '/applications/oidc/file-app', { client_name: 'x' });
    assert.equal(file.status, 409);
    assert.match(String(file.json.error_description), /managed by file/);
  });

  it('edits from the console page; a file client has no form', async () => {
    assert.equal((await api('owner', 'PUT', '/roles/users/alice', { role: 'administrator' })).status, 200);
    const { client } = await consoleSignIn('alice');
    const list = await client.get('/admin/applications');
    assert.match(list.text, /href="\/admin\/applications\/oidc\/crm"/);
    const page = await client.get('/admin/applications/oidc/crm');
    assert.equal(page.status, 200);
    const action = '/admin/applications/oidc/crm';
    const form = { csrf: csrfOf(page, action), client_name: 'CRM 2', public: 'false' };
    const bad = await client.post(action, { ...form, redirect_uris: 'https://crm.test/cb#frag' });
    assert.equal(bad.status, 400);
    assert.match(visibleText(bad.text), /redirect_uris\.0 : expected an absolute URL without a fragment/);
    const saved = await client.post(action, {
      ...form,
      redirect_uris: 'https://crm.test/a\r\nhttps://crm.test/b',
      post_logout_redirect_uris: '',
    });
    assert.equal(saved.status, 200, visibleText(saved.text));
    assert.match(visibleText(saved.text), /Saved crm: every node uses it now/);
    assert.deepEqual(latch.services.oidc.clients.get('crm')?.redirect_uris, [
      'https://crm.test/a',
      'https://crm.test/b',
    ]);
    assert.equal(latch.services.oidc.clients.get('crm')?.client_name, 'CRM 2');
    const file = await client.get('/admin/applications/oidc/file-app');
    assert.equal(file.status, 200);
    assert.match(visibleText(file.text), /file \(read-only here\)/);
    assert.doesNotMatch(file.text, /<form method="post" action="\/admin\/applications\/oidc\/file-app"/);
    assert.equal((await api('owner', 'DELETE', '/roles/users/alice')).status, 200);
  });
});

describe("the console's group policies", () => {
  const policies = async () => (await api('owner', 'GET', '/policies')).json;
  const effective = async (user: string) =>
    (await api('owner', 'GET', `/policies/effective?user=${user}&app=file-app`)).json;

  it('sets layers per group over the API, checked as policy.groups is, and the effective policy follows', async () => {
    const layers = [{ group: 'staff', passwordless: [], rememberDevice: { enabled: true, lifetime: '7d' } }];
    const set = await api('administrator', 'PUT', '/policies/groups', { groups: layers });
    assert.equal(set.status, 200, JSON.stringify(set.json));
    assert.deepEqual((await policies()).consoleGroups, layers, 'kept as typed ("7d")');
    const alice = await effective('alice');
    assert.deepEqual((alice.policy as Json).passwordless, []);
    assert.equal((alice.reasons as Json).passwordless, 'console group staff');
    assert.equal((alice.reasons as Json).rememberDevice, 'console group staff');
    assert.notEqual(((await effective('bob')).reasons as Json).passwordless, 'console group staff', 'bob is not staff');
    const audit = await lastAudit();
    assert.deepEqual([audit.action, audit.before, audit.after], ['setGroupPolicies', [], layers]);

    const bad = await api('administrator', 'PUT', '/policies/groups', {
      groups: [
        { group: '', passwordless: ['sms'] },
        { group: 'staff', rememberDevice: { lifetime: 'soon' } },
        { group: 'staff', networks: { rules: [{ network: 'nowhere', action: 'deny' }] } },
      ],
    });
    assert.equal(bad.status, 400);
    const fields = (bad.json.problems as Json[]).map((p) => p.field);
    assert.ok(fields.includes('groups.0.group'), fields.join());
    assert.ok(fields.includes('groups.0.passwordless.0'), fields.join());
    assert.ok(fields.includes('groups.1.rememberDevice.lifetime'), fields.join());
    const unknownNetwork = await api('administrator', 'PUT', '/policies/groups', {
      groups: [{ group: 'staff', networks: { rules: [{ network: 'nowhere', action: 'deny' }] } }],
    });
    assert.deepEqual(
      (unknownNetwork.json.problems as Json[]).map((p) => p.field),
      ['groups.0.networks.rules.0.network'],
    );
    assert.match(String(unknownNetwork.json.error_description), /"nowhere" is not under the top-level networks/);
    const global = await api('administrator', 'PUT', '/policies/global', {
      networks: { rules: [{ network: 'nowhere', action: 'deny' }] },
    });
    assert.deepEqual(
      (global.json.problems as Json[]).map((p) => p.field),
      ['networks.rules.0.network'],
    );
    assert.deepEqual((await policies()).consoleGroups, layers, 'nothing changed');
    assert.equal((await policies()).consoleDefault, null);
    assert.equal((await api('administrator', 'PUT', '/policies/groups', { groups: {} })).status, 400);
  });

  it('sets them from the Policies page, whose effective view names the layer', async () => {
    assert.equal((await api('owner', 'PUT', '/roles/users/alice', { role: 'administrator' })).status, 200);
    const { client } = await consoleSignIn('alice');
    const page = await client.get('/admin/policies');
    assert.match(visibleText(page.text), /Group policies/);
    const action = '/admin/policies/groups';
    const bad = await client.post(action, { csrf: csrfOf(page, action), groups: '- { group: staff, newUser: maybe }' });
    assert.equal(bad.status, 400);
    assert.match(visibleText(bad.text), /groups\.0\.newUser/);
    const saved = await client.post(action, {
      csrf: csrfOf(page, action),
      groups: '- { group: staff, autoPush: true }',
    });
    assert.equal(saved.status, 200, visibleText(saved.text));
    assert.deepEqual((await policies()).consoleGroups, [{ group: 'staff', autoPush: true }]);
    const view = await client.get('/admin/policies?user=alice&app=file-app');
    assert.match(visibleText(view.text), /autoPush.*console group staff/);
    assert.equal((await api('owner', 'DELETE', '/roles/users/alice')).status, 200);
  });
});
