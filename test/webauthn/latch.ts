import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import YAML from 'yaml';
import { buildApp } from '../../src/app.ts';
import { deepMerge, loadConfig } from '../../src/config/load.ts';
import { hashPassword } from '../../src/directory/password-hash.ts';
import { createLogger } from '../../src/ops/logger.ts';
import { createServices, type Services } from '../../src/services.ts';
import { freePort } from '../support/free-port.ts';
import { tempDir } from '../support/temp.ts';

// Latch composed in the test process at http://localhost:<port> (WebAuthn does not accept an IP
// address as relying party id, so the base URL names localhost), with local users, so WebAuthn
// tests can look inside: stored credentials, counters, the authentication log.

export interface WebAuthnTestUser {
  username: string;
  id: string;
  password: string;
  displayName?: string;
  groups?: string[];
  disabled?: boolean;
}

export interface WebAuthnLatch {
  url: string;
  services: Services;
  /** Rewrites the users file (the directory re-reads it within a second). */
  setUsers(users: WebAuthnTestUser[]): Promise<void>;
  /** Stored credentials of a user. */
  credentialsOf(userId: string): ReturnType<Services['webauthn']['ceremonies']['credentials']['list']>;
  /** Reasons in the authentication log, newest first. */
  authReasons(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startWebAuthnLatch(options: { users: WebAuthnTestUser[]; config?: Record<string, unknown> }): Promise<WebAuthnLatch> {
  const temp = tempDir('latch-webauthn-');
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const usersFile = path.join(temp.dir, 'users.yaml');
  const setUsers = async (users: WebAuthnTestUser[]) => {
    const records: Record<string, unknown> = {};
    for (const u of users) {
      records[u.username] = { id: u.id, displayName: u.displayName, groups: u.groups ?? [], password: await hashPassword(u.password), disabled: u.disabled ?? false };
    }
    writeFileSync(usersFile, YAML.stringify({ users: records }), { mode: 0o600 });
  };
  await setUsers(options.users);
  const file = path.join(temp.dir, 'latch.yaml');
  const base = { dataDir: temp.dir, server: { port, baseUrl: url }, signIn: { failureDelay: '1ms' }, directory: { local: { file: usersFile } } };
  writeFileSync(file, YAML.stringify(deepMerge(base, options.config ?? {})));
  const services = await createServices(loadConfig({ file, env: {}, cwd: temp.dir }), createLogger('silent'));
  const server = http.createServer(buildApp(services).callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url,
    services,
    setUsers: async (users) => {
      await setUsers(users);
      // The directory looks at the file at most once a second.
      await new Promise((resolve) => setTimeout(resolve, 1100));
    },
    credentialsOf: (userId) => services.webauthn.ceremonies.credentials.list(userId),
    authReasons: async () => (await services.authLog.query({ limit: 200 })).map((e) => String(e.data.reason)),
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await services.close();
      temp.cleanup();
    },
  };
}
