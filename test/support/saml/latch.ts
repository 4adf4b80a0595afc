import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { pino } from 'pino';
import { loadConfig } from '../../../src/config/load.ts';
import { hashPassword } from '../../../src/directory/password-hash.ts';
import { startLatch, type RunningLatch } from '../../../src/main.ts';
import { freePort } from '../free-port.ts';

// A real Latch for SAML end-to-end tests: its own data dir, a local directory with test users,
// the given service providers, on a free loopback port with baseUrl http://HOST:PORT (localhost by
// default, so the SP on 127.0.0.1 is another site, as in production).

export interface TestUser {
  username: string;
  password: string;
  email?: string;
  displayName?: string;
  groups?: string[];
}

export interface LatchForSaml extends RunningLatch {
  baseUrl: string;
  dataDir: string;
}

/** `extra`: more of Latch's configuration (e.g. `oidc` clients), beside `saml`. */
export async function startLatchForSaml(dir: string, users: TestUser[], saml: Record<string, unknown>, host = 'localhost', extra: Record<string, unknown> = {}): Promise<LatchForSaml> {
  const port = await freePort();
  const dataDir = path.join(dir, 'latch');
  const records: Record<string, unknown> = {};
  for (const u of users) {
    records[u.username] = { id: `id-${u.username}`, password: await hashPassword(u.password), groups: u.groups ?? [], ...(u.email ? { email: u.email } : {}), ...(u.displayName ? { displayName: u.displayName } : {}) };
  }
  const file = path.join(dir, 'latch.yaml');
  writeFileSync(file, YAML.stringify({ dataDir, log: { level: 'warn' }, signIn: { failureDelay: '1ms' }, ...extra, saml: { metadataDir: path.join(dir, 'metadata'), ...saml } }));
  const config = loadConfig({ file, env: { LATCH_PORT: String(port), LATCH_BASE_URL: `http://${host}:${port}` }, cwd: dir });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(config.directory.local.file!, YAML.stringify({ users: records }));
  const latch = await startLatch(config, pino({ level: process.env.LATCH_TEST_LOG ?? 'silent' }));
  return { ...latch, baseUrl: `http://${host}:${port}`, dataDir };
}
