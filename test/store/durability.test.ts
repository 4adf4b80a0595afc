import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'mocha';
import { fileURLToPath } from 'node:url';
import { startRedis } from '../support/redis-server.ts';
import type { LatchConfig } from '../../src/config/schema.ts';
import { openStore } from '../../src/store/index.ts';

// "A killed and restarted server keeps every enrolled record": a child process writes records and
// is SIGKILLed (no close, no flush); a new store then finds every one of them.

const root = fileURLToPath(new URL('../..', import.meta.url));
const writer = path.join(root, 'test/support/store-writer.ts');
const count = 25;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'latch-durability-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs the writer until it says "written", then SIGKILLs it. */
async function writeThenKill(config: LatchConfig['store']): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, JSON.stringify(config), String(count)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('written\n')) resolve();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then(() => reject(new Error(`writer exited before writing:\n${output}`)));
  });
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
}

async function assertEveryRecord(config: LatchConfig['store']): Promise<void> {
  const store = await openStore(config);
  try {
    for (let i = 0; i < count; i++) {
      assert.deepEqual(await store.get(`credential:${i}`), { user: `user${i}`, publicKey: `key-${i}`, signCount: i });
    }
    assert.equal((await store.listIndex('credentials:all')).length, count);
    assert.deepEqual(
      (await store.range('enrolments')).map((e) => e.data),
      Array.from({ length: count }, (_, i) => ({ credential: i })),
    );
  } finally {
    await store.close();
  }
}

describe('durability of enrolled records', () => {
  it('sqlite: a SIGKILLed server loses nothing it wrote', async () => {
    const config: LatchConfig['store'] = {
      type: 'sqlite',
      sqlite: { file: path.join(tmp, 'data', 'latch.sqlite') },
      redis: { keyPrefix: 'latch:' },
    };
    await writeThenKill(config);
    await assertEveryRecord(config);
  });

  it('redis: a SIGKILLed server and a SIGKILLed redis-server, restarted, lose nothing', async () => {
    const first = await startRedis();
    try {
      const config: LatchConfig['store'] = {
        type: 'redis',
        sqlite: {},
        redis: { url: first.url, keyPrefix: 'latch:' },
      };
      await writeThenKill(config);
      await first.kill();
      const restarted = await startRedis({ dir: first.dir, port: first.port });
      try {
        await assertEveryRecord(config);
      } finally {
        await restarted.stop();
      }
    } finally {
      await first.stop();
    }
  });
});
