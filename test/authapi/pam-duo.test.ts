import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'mocha';
import type { OpenIntegration } from '../../src/idp/authapi/integrations.ts';
import { cleanEnv, runCommand, type CommandResult } from '../support/commands.ts';
import { scratchDir } from '../support/temp.ts';
import { apiEvents, startAuthApiLatch, TrustingPhone, user, writeDuoUnixConfig, type AuthApiLatch } from './support.ts';

// The unmodified pam_duo of Debian 12 (package libpam-duo, duo_unix 1.11.3) in a PAM stack, driven
// by pamtester as sshd or sudo would drive it: a service file of its own under /etc/pam.d (named
// for this process, removed afterwards) with `auth required pam_duo.so conf=…`. pam_duo looks the
// user up on this machine, so the Latch user is "root"; autopush is approved or denied on the
// command-line Latch Authenticator.

describe('pam_duo (duo_unix 1.11.3 from Debian) with pamtester against Latch', function () {
  let api: AuthApiLatch;
  let integration: OpenIntegration;
  let phone: TrustingPhone;
  const service = `latch-test-${process.pid}`;
  const serviceFile = path.join('/etc/pam.d', service);

  before(async () => {
    api = await startAuthApiLatch([user('root')]);
    integration = await api.latch.services.authApi.integrations.add({
      name: 'pam hosts',
      type: 'auth-api',
      legacyV1: true,
    });
    phone = new TrustingPhone(api.certs.caFile);
    await phone.activateFor(api.latch, 'root');
    const conf = writeDuoUnixConfig(path.join(scratchDir('latch-pam-duo-'), 'pam_duo.conf'), api, integration, [
      'autopush = yes',
      'prompts = 1',
      'pushinfo = yes',
    ]);
    writeFileSync(serviceFile, `auth required pam_duo.so conf=${conf}\naccount required pam_permit.so\n`);
  });

  after(async () => {
    rmSync(serviceFile, { force: true });
    await api?.latch.stop();
  });

  const pamtester = (): Promise<CommandResult> =>
    runCommand('pamtester', ['-v', '-I', 'rhost=203.0.113.9', service, 'root', 'authenticate'], {
      env: cleanEnv(),
      input: '',
      timeoutMs: 90_000,
    });

  it('a push approved on the phone authenticates; denied, it does not', async () => {
    const approved = pamtester();
    assert.match(await phone.ok('pending', '--wait', '20'), /app: +pam hosts/);
    await phone.ok('approve');
    const ok = await approved;
    assert.equal(ok.code, 0, `${ok.stdout}\n${ok.stderr}`);
    assert.match(ok.stdout + ok.stderr, /successfully authenticated/);

    const denied = pamtester();
    await phone.ok('deny', '--wait', '20');
    const refused = await denied;
    assert.notEqual(refused.code, 0);
    assert.match(refused.stdout, /Autopushing login request to phone\.\.\.\n\nThe sign-in was denied on your phone\./);
    assert.doesNotMatch(refused.stdout + refused.stderr, /successfully authenticated/);
  });

  it("logs the logins with the integration, the host's name and the remote address sshd would give (PAM_RHOST)", async () => {
    const auths = (await apiEvents(api.latch)).filter((e) => e.event === 'authapi-auth');
    assert.ok(auths.length >= 2);
    assert.ok(
      auths.every((e) => e.integration === 'pam hosts' && e.user === 'root' && e.ip === '203.0.113.9' && e.clientHost),
      JSON.stringify(auths),
    );
  });
});
