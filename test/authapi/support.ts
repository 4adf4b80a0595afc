import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Secret } from 'otpauth';
import type { PolicyLayer } from '../../src/config/policy.ts';
import type { IntegrationType, OpenIntegration } from '../../src/idp/authapi/integrations.ts';
import { activationUrl } from '../../src/methods/push/protocol.ts';
import { cleanEnv, runCommand } from '../support/commands.ts';
import { startTestLatch, type InProcessLatch, type TestUser } from '../support/latch.ts';
import { makeTestCertificates, type TestCertificates } from '../support/test-ca.ts';
import { scratchDir } from '../support/temp.ts';
import { CliPhone } from '../push/helpers.ts';

// What the Auth API tests share: Latch over HTTPS with a throwaway CA (as a logon client reaches
// it), integrations made in its store, the real duo_client from Debian (the system's python3, not
// another on PATH) driven by duo_call.py, and
// the command-line Latch Authenticator as the user's phone, trusting the same CA.

const DRIVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'duo_call.py');

export const PASSWORD = 'correct horse battery';
export const user = (username: string, extra: Partial<TestUser> = {}): TestUser => ({
  username,
  password: PASSWORD,
  ...extra,
});

export interface AuthApiLatch {
  latch: InProcessLatch;
  certs: TestCertificates;
  port: number;
}

export async function startAuthApiLatch(
  users: TestUser[],
  config: Record<string, unknown> = {},
): Promise<AuthApiLatch> {
  const certs = await makeTestCertificates(scratchDir('latch-authapi-ca-'));
  const latch = await startTestLatch({
    host: 'localhost',
    users,
    config: { server: { tls: { certFile: certs.certFile, keyFile: certs.keyFile } }, ...config },
  });
  return { latch, certs, port: latch.port };
}

export async function addIntegration(
  latch: InProcessLatch,
  name: string,
  type: IntegrationType = 'auth-api',
  policy?: PolicyLayer,
): Promise<OpenIntegration> {
  return latch.services.authApi.integrations.add({ name, type, ...(policy ? { policy } : {}) });
}

export type DuoAnswer =
  | { ok: unknown }
  | {
      error: {
        status: number | null;
        message: string;
        body: { stat: string; code: number; message: string; message_detail?: string } | null;
      };
    };

export interface ClientSettings {
  ikey: string;
  skey: string;
  sig_version?: number;
  digest?: 'sha1' | 'sha512';
  date_offset?: number;
}

/** Runs one case of the Python client; its JSON answer. */
export async function duo(
  api: Pick<AuthApiLatch, 'certs' | 'port'>,
  settings: ClientSettings,
  what: Record<string, unknown>,
): Promise<DuoAnswer> {
  const input = { host: 'localhost', port: api.port, ca: api.certs.caFile, ...settings, ...what };
  const result = await runCommand('/usr/bin/python3', [DRIVER, JSON.stringify(input)], { env: cleanEnv() });
  assert.equal(result.code, 0, `duo_call.py failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as DuoAnswer;
}

export function okOf<T>(answer: DuoAnswer): T {
  assert.ok('ok' in answer, `expected success, got ${JSON.stringify(answer)}`);
  return answer.ok as T;
}

export function errorOf(answer: DuoAnswer): Extract<DuoAnswer, { error: unknown }>['error'] {
  assert.ok('error' in answer, `expected a refusal, got ${JSON.stringify(answer)}`);
  return answer.error;
}

/** An authenticator app added for the user; returns its base32 secret. */
export async function giveAuthenticatorApp(latch: InProcessLatch, username: string): Promise<string> {
  const found = (await latch.services.directory.findUser(username))!;
  const secret = new Secret({ size: 20 }).base32;
  assert.ok(
    await latch.services.passcodes.credentials.addApp(
      found.id,
      `app-${username}`,
      secret,
      Math.floor(Date.now() / 30_000) - 5,
    ),
  );
  return secret;
}

/** The command-line authenticator, trusting the test CA, activated for the user. */
export class TrustingPhone extends CliPhone {
  constructor(private readonly caFile: string) {
    super();
  }

  override run(...args: string[]) {
    return runCommand(
      process.execPath,
      [path.join(path.dirname(DRIVER), '..', '..', 'bin', 'latch-authenticator.js'), ...args],
      {
        env: cleanEnv({ LATCH_AUTHENTICATOR_HOME: this.home, NODE_EXTRA_CA_CERTS: this.caFile }),
      },
    );
  }

  async activateFor(latch: InProcessLatch, username: string): Promise<void> {
    const found = (await latch.services.directory.findUser(username))!;
    const { token } = await latch.services.push.activations.issue(found, 'test');
    await this.ok('activate', activationUrl(latch.url, token), '--name', `${username}'s phone`);
  }
}

/** Authentication-log entries of the Auth API, newest first. */
export async function apiEvents(latch: InProcessLatch): Promise<Array<Record<string, unknown>>> {
  return (await latch.services.authLog.query({ limit: 500 }))
    .map((e) => e.data)
    .filter((d) => String(d.event).startsWith('authapi-'));
}

/** What Latch answered to a request sent by hand (not through a Duo client). */
export interface RawAnswer {
  status: number;
  location: string | undefined;
  text: string;
}

/** One HTTPS request to the test Latch as a stranger sends it: no signature unless the caller adds one. */
export function sendRaw(
  api: AuthApiLatch,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port: api.port,
        path,
        method: init.body ? 'POST' : 'GET',
        headers: init.headers ?? {},
        ca: readFileSync(api.certs.caFile),
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location, text }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Writes a duo_unix configuration (login_duo, pam_duo) for this integration, readable by its owner only. */
export function writeDuoUnixConfig(
  file: string,
  api: AuthApiLatch,
  integration: OpenIntegration,
  lines: string[],
): string {
  const settings = [
    '[duo]',
    `ikey = ${integration.ikey}`,
    `skey = ${integration.secret}`,
    `host = localhost:${api.port}`,
    `cafile = ${api.certs.caFile}`,
    'failmode = secure',
    ...lines,
    '',
  ];
  writeFileSync(file, settings.join('\n'));
  chmodSync(file, 0o600);
  return file;
}
