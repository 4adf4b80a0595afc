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
let signIns = 0;
async function consoleSignIn(username: string): Promise<{ client: HttpClient; page: Page }> {
  const client = new HttpClient(latch.url);
  const first = await client.get('/admin/');
  assert.match(first.path, /^\/login\?tx=/);
  const passwordPage = await client.passwordPage(username, first);
  let page = await client.submit(passwordPage, { password: PASSWORD });
  page = await client.submit(page, { code: totpCode(SECRET, signIns++) });
  if (/Sign in faster next time/.test(page.text)) page = await client.submit(page, {}, 'skip');
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
    config: { admin: { groups: { auditors: 'read-only' }, pageSize: 10 } },
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
