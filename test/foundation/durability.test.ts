import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'mocha';
import { AUTH_LOG_STREAM } from '../../src/authn/auth-log.ts';
import type { LatchConfig } from '../../src/config/schema.ts';
import { openStore } from '../../src/store/index.ts';
import { HttpClient, visibleText } from '../support/http-client.ts';
import { addUser, runLatch } from '../support/commands.ts';
import { startTestLatch, type LatchProcess } from '../support/latch.ts';
import { scratchDir } from '../support/temp.ts';
import { startRedis, type RedisServer } from '../support/redis-server.ts';

// A SIGKILLed Latch started again on the same state loses nothing: the browser is still signed
// in, the user is still there, the signing keys are the same files, and every auth-log event
// written before the crash is in the store.

const PASSWORD = 'correct horse battery';

/** Every file under the keys dir with its content, to compare before and after. */
function keyFiles(dataDir: string): Record<string, string> {
  const dir = path.join(dataDir, 'keys');
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, name);
    if (fs.statSync(file).isFile()) out[name] = fs.readFileSync(file, 'utf8');
  }
  return out;
}

/** What identifies an auth-log event in both the JSON log and the store. */
const eventKey = (e: Record<string, unknown>) => `${e.transaction}|${e.event}|${e.result}|${e.reason}`;

async function crashAndRestart(
  dataDir: string,
  store: LatchConfig['store'],
  env: Record<string, string>,
): Promise<void> {
  let latch: LatchProcess | undefined = await startTestLatch({ run: 'process', dataDir, env });
  try {
    const { port } = latch;
    await addUser(latch.env, 'alice', { displayName: 'Alice Liddell', groups: ['staff'], password: PASSWORD });
    const client = new HttpClient(latch.url);
    const wrong = new HttpClient(latch.url);
    await wrong.signIn('alice', 'not the password');
    assert.match(visibleText((await client.signIn('alice', PASSWORD)).text), /Signed in as Alice Liddell/);
    const session = client.cookies.get('latch_session');
    assert.ok(session);
    const keysBefore = keyFiles(dataDir);
    assert.ok(Object.keys(keysBefore).length > 0, 'keys were generated');
    const logged = latch.authEvents().map(eventKey);
    assert.ok(logged.length >= 2, 'the failure and the success were logged');

    await latch.kill();
    latch = await startTestLatch({ run: 'process', dataDir, port, env });

    const again = new HttpClient(latch.url);
    again.cookies.set('latch_session', session);
    assert.match(
      visibleText((await again.get('/')).text),
      /Signed in as Alice Liddell/,
      'still signed in after the crash',
    );
    assert.deepEqual(keyFiles(dataDir), keysBefore, 'the same signing keys and certificates');
    const users = await runLatch(['user', 'list'], { env: latch.env });
    assert.match(users.stdout, /^alice\s+Alice Liddell\s+staff/m);
    assert.match(
      visibleText((await new HttpClient(latch.url).signIn('alice', PASSWORD)).text),
      /Signed in as Alice Liddell/,
    );
    await latch.kill();
    latch = undefined;

    const opened = await openStore(store);
    try {
      const stored = (await opened.range<Record<string, never>>(AUTH_LOG_STREAM)).map((e) => eventKey(e.data));
      for (const key of logged) assert.ok(stored.includes(key), `auth-log event kept: ${key}`);
    } finally {
      await opened.close();
    }
  } finally {
    await latch?.stop();
  }
}

describe('durability across a SIGKILL', () => {
  let redis: RedisServer | undefined;
  after(async () => {
    await redis?.stop();
  });

  it('SQLite: session, user, keys and auth log survive', async () => {
    const dataDir = scratchDir('latch-data-');
    await crashAndRestart(
      dataDir,
      {
        type: 'sqlite',
        sqlite: { file: path.join(dataDir, 'latch.sqlite') },
        redis: { keyPrefix: 'latch:' },
      } as LatchConfig['store'],
      {},
    );
  });

  it('Redis: session, user, keys and auth log survive (Latch killed, not Redis)', async () => {
    redis = await startRedis();
    const dataDir = scratchDir('latch-data-');
    await crashAndRestart(
      dataDir,
      { type: 'redis', sqlite: {}, redis: { url: redis.url, keyPrefix: 'latch:' } } as LatchConfig['store'],
      { LATCH_STORE: 'redis', LATCH_REDIS_URL: redis.url },
    );
  });
});
