import { createServer } from 'node:net';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.ts';
import type { LatchConfig } from '../../src/config/schema.ts';
import { hashPassword } from '../../src/directory/password-hash.ts';
import { startLatch, type RunningLatch } from '../../src/main.ts';
import { tempDir } from './temp.ts';

// A real Latch on 127.0.0.1 for end-to-end tests: its own data dir, a local users file, and
// whatever extra configuration the test gives (merged over the defaults like an operator's file).

export interface TestUser {
  username: string;
  id: string;
  password: string;
  displayName?: string;
  email?: string;
  groups?: string[];
}

export interface TestLatch extends RunningLatch {
  baseUrl: string;
  dataDir: string;
  config: LatchConfig;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startTestLatch(options: { users: TestUser[]; config?: Record<string, unknown>; port?: number }): Promise<TestLatch> {
  const temp = tempDir('latch-e2e-');
  const port = options.port ?? (await freePort());
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = path.join(temp.dir, 'data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const users: Record<string, unknown> = {};
  for (const u of options.users) {
    users[u.username] = { id: u.id, displayName: u.displayName, email: u.email, groups: u.groups ?? [], password: await hashPassword(u.password) };
  }
  writeFileSync(path.join(dataDir, 'users.yaml'), YAML.stringify({ users }), { mode: 0o600 });
  const file = path.join(temp.dir, 'latch.yaml');
  writeFileSync(file, YAML.stringify({ dataDir, server: { port, baseUrl }, signIn: { failureDelay: '1ms' }, ...(options.config ?? {}) }));
  const config = loadConfig({ file, env: {}, cwd: temp.dir });
  const latch = await startLatch(config, pino({ level: process.env.LATCH_TEST_LOG ?? 'silent' }));
  return {
    ...latch,
    baseUrl,
    dataDir,
    config,
    async stop() {
      await latch.stop();
      temp.cleanup();
    },
  };
}
