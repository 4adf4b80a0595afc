import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'mocha';
import type { OpenIntegration } from '../../src/idp/authapi/integrations.ts';
import { cleanEnv, runCommand, type CommandResult } from '../support/commands.ts';
import { totpCode } from '../support/passcodes.ts';
import { scratchDir } from '../support/temp.ts';
import {
  apiEvents,
  giveAuthenticatorApp,
  startAuthApiLatch,
  TrustingPhone,
  user,
  writeDuoUnixConfig,
  type AuthApiLatch,
} from './support.ts';

// The unmodified login_duo of Debian 12 (package login-duo, duo_unix 1.11.3) against Latch, as
// an administrator sets it up (docs/ssh-and-console.md): its config names Latch's host and port,
// the integration's keys and the test CA. That version speaks the legacy /rest/v1 API, so the
// integration allows it. A push is approved (and denied) with the command-line Latch
// Authenticator; a passcode is fed through DUO_PASSCODE (accept_env_factor), and typed at the menu
// under `script` (login_duo shows its menu only on a terminal, and pushes at once otherwise).

const LOGIN_DUO = '/usr/sbin/login_duo';

describe('login_duo (duo_unix 1.11.3 from Debian) against Latch', function () {
  let api: AuthApiLatch;
  let integration: OpenIntegration;
  let phone: TrustingPhone;
  let secret: string;
  const dir = scratchDir('latch-login-duo-');

  before(async () => {
    api = await startAuthApiLatch([user('dave'), user('alice')]);
    integration = await api.latch.services.authApi.integrations.add({
      name: 'unix hosts',
      type: 'auth-api',
      legacyV1: true,
    });
    phone = new TrustingPhone(api.certs.caFile);
    await phone.activateFor(api.latch, 'dave');
    secret = await giveAuthenticatorApp(api.latch, 'alice');
  });

  after(async () => {
    await api?.latch.stop();
  });

  const config = (name: string, extra: string): string =>
    writeDuoUnixConfig(path.join(dir, `${name}.conf`), api, integration, ['pushinfo = yes', 'prompts = 1', extra]);

  const loginDuo = (
    conf: string,
    username: string,
    options: { env?: Record<string, string>; input?: string } = {},
  ): Promise<CommandResult> =>
    runCommand(LOGIN_DUO, ['-d', '-c', conf, '-f', username, '-h', '198.51.100.7', 'echo', 'logged in'], {
      env: cleanEnv(options.env ?? {}),
      input: options.input ?? '',
      timeoutMs: 90_000,
    });

  it('autopush approved on the phone: login_duo lets the user in and runs the command', async () => {
    const login = loginDuo(config('autopush', 'autopush = yes'), 'dave');
    const pending = await phone.ok('pending', '--wait', '20');
    assert.match(pending, /app: +unix hosts/);
    assert.match(pending, /Command: +echo logged in/);
    await phone.ok('approve');
    const result = await login;
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stderr, /Successful Duo login for 'dave' from 198\.51\.100\.7/);
    assert.equal(result.stdout, 'logged in\n');
  });

  it('autopush denied on the phone: login_duo refuses and runs nothing', async () => {
    const login = loginDuo(config('autopush-deny', 'autopush = yes'), 'dave');
    await phone.ok('deny', '--wait', '20');
    const result = await login;
    assert.notEqual(result.code, 0);
    assert.doesNotMatch(result.stdout, /logged in/);
  });

  it('a passcode from DUO_PASSCODE, then one typed at the menu login_duo prints', async () => {
    const fromEnv = await loginDuo(config('env', 'accept_env_factor = yes'), 'alice', {
      env: { DUO_PASSCODE: totpCode(secret) },
    });
    assert.equal(fromEnv.code, 0, `${fromEnv.stdout}\n${fromEnv.stderr}`);
    assert.equal(fromEnv.stdout, 'logged in\n');
    // Without a terminal login_duo pushes at once; `script` gives it one, and our input as typing.
    const command = [
      LOGIN_DUO,
      '-d',
      '-c',
      config('typed', ''),
      '-f',
      'alice',
      '-h',
      '198.51.100.7',
      'echo',
      'logged in',
    ].join(' ');
    const typed = await runCommand('script', ['-qec', command, '/dev/null'], {
      env: cleanEnv(),
      input: `${totpCode(secret, 1)}\n`,
      timeoutMs: 90_000,
    });
    assert.equal(typed.code, 0, `${typed.stdout}\n${typed.stderr}`);
    assert.match(
      typed.stdout,
      /Latch two-factor login for alice\r?\n\r?\nEnter a passcode from your authenticator app, token or the Latch Authenticator\.\r?\n\r?\nPasscode: /,
    );
    assert.match(typed.stdout, /logged in/);
    const [status] = await apiEvents(api.latch);
    assert.deepEqual(
      [status?.event, status?.result, status?.user],
      ['authapi-auth_status', 'allow', 'alice'],
      'login_duo polls status.bson for the outcome',
    );
  });

  it('an integration that does not allow the legacy API refuses login_duo 1.x (403), which denies the login', async () => {
    const modern = await api.latch.services.authApi.integrations.add({ name: 'modern only', type: 'auth-api' });
    const file = writeDuoUnixConfig(path.join(dir, 'modern.conf'), api, modern, ['autopush = yes']);
    const refused = await loginDuo(file, 'dave');
    assert.notEqual(refused.code, 0);
    // duo_unix 1.x reads no body on a refusal: it logs the status (403), and denies.
    assert.match(refused.stderr, /Aborted Duo login for 'dave' from 198\.51\.100\.7: HTTP 403/);
    assert.equal(refused.stdout, '');
  });

  it('a wrong passcode is refused, and every call is in the authentication log with the integration', async () => {
    const wrong = await loginDuo(config('wrong', ''), 'alice', { input: '000000\n' });
    assert.notEqual(wrong.code, 0);
    assert.doesNotMatch(wrong.stdout, /logged in/);
    const events = await apiEvents(api.latch);
    assert.ok(events.length > 0 && events.every((e) => e.integration === 'unix hosts'));
    assert.ok(
      events.some((e) => e.ip === '198.51.100.7'),
      'the address login_duo was given (-h) is logged',
    );
  });
});
