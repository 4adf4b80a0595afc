import { after, before, it } from 'mocha';
import assert from 'node:assert/strict';
import { runLatch } from '../support/commands.ts';
import { startTestLatch, type LatchProcess } from '../support/latch.ts';

// `latch admin token …` as an operator runs it beside a running Latch (same store): the token is
// printed once and works at once; the list never shows a secret; a revoked token is refused at
// once; a bad role or a taken name makes nothing, and says why.

let latch: LatchProcess;

before(async () => {
  latch = await startTestLatch({ run: 'process' });
});
after(async () => {
  await latch.stop();
});

const users = (token: string) =>
  fetch(`${latch.url}/admin/api/v1/users`, { headers: { authorization: `Bearer ${token}` } });

it('creates, lists and revokes admin API tokens; the audit log names the command line', async () => {
  const badRole = await runLatch(['admin', 'token', 'create', 'ci', '--role', 'boss'], { env: latch.env });
  assert.equal(badRole.code, 2);
  assert.match(
    badRole.stderr,
    /--role "boss" is not a role: expected owner, administrator, help-desk, read-only; no token was made/,
  );

  const made = await runLatch(['admin', 'token', 'create', 'ci', '--role', 'read-only'], { env: latch.env });
  assert.equal(made.code, 0, made.stderr);
  const token = /^(latch-admin\.\S+)$/m.exec(made.stdout)?.[1];
  assert.ok(token, made.stdout);
  assert.match(made.stdout, /This is the only time the token is shown/);
  assert.equal((await users(token)).status, 200);

  const again = await runLatch(['admin', 'token', 'create', 'CI', '--role', 'owner'], { env: latch.env });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /a token named "CI" exists already/);

  const listed = await runLatch(['admin', 'token', 'list'], { env: latch.env });
  assert.match(listed.stdout, /^NAME\s+ROLE\s+CREATED\s+CREATED BY\s+LAST USED$/m);
  assert.match(listed.stdout, /^ci\s+read-only\s+/m);
  assert.ok(!listed.stdout.includes(token.split('.')[2]!), 'no secret in the list');

  const revoked = await runLatch(['admin', 'token', 'revoke', 'ci'], { env: latch.env });
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.equal((await users(token)).status, 401, 'refused at once');

  const owner = await runLatch(['admin', 'token', 'create', 'auditor', '--role', 'owner'], { env: latch.env });
  const ownerToken = /^(latch-admin\.\S+)$/m.exec(owner.stdout)![1]!;
  const audit = await fetch(`${latch.url}/admin/api/v1/audit-log?action=revokeToken`, {
    headers: { authorization: `Bearer ${ownerToken}` },
  });
  const [entry] = ((await audit.json()) as { entries: Array<Record<string, unknown>> }).entries;
  assert.equal(entry?.actorKind, 'cli');
  assert.equal(entry?.target, 'token ci');
  assert.deepEqual(entry?.before, { name: 'ci', role: 'read-only' });
});
