import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'mocha';
import { launchChromium, withContext, type Browser } from '../support/chromium.ts';
import { addUser } from '../support/commands.ts';
import { startTestLatch, type LatchProcess } from '../support/latch.ts';
import { startRedis, type RedisServer } from '../support/redis-server.ts';
import { activationLink, CliPhone, PASSWORD, passwordThenPush, sendPush, signedInAs } from './helpers.ts';

// Two Latch processes behind one Redis, as behind a load balancer: the browser waits on node A
// while the phone talks to node B. The push reaches B's long-poll and B's approval wakes the
// browser on A through Redis publish/subscribe (the wait endpoint's own timeout is 25 s).

describe('push across two Latch nodes sharing Redis', () => {
  let redis: RedisServer;
  let a: LatchProcess;
  let b: LatchProcess;
  let chrome: Browser;
  const phone = new CliPhone();

  before(async () => {
    redis = await startRedis();
    const store = { type: 'redis', redis: { url: redis.url, keyPrefix: 'latch-push-test:' } };
    a = await startTestLatch({ run: 'process', config: { store } });
    await addUser(a.env, 'alice', { displayName: 'Alice Liddell', password: PASSWORD });
    b = await startTestLatch({
      run: 'process',
      config: { store, directory: { type: 'local', local: { file: path.join(a.dataDir, 'users.yaml') } } },
    });
    // Activated through node B: the phone will only ever talk to B.
    await phone.ok('activate', await activationLink(b.url, 'alice'), '--name', 'Phone on B');
    chrome = await launchChromium();
  });

  after(async () => {
    await chrome?.close();
    await a?.stop();
    await b?.stop();
    await redis?.stop();
  });

  it('a push sent on A wakes the phone waiting on B, and the approval on B wakes the browser waiting on A', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await passwordThenPush(page, a.url, 'alice');
      // The phone is already long-polling B when the browser sends the push on A.
      const waiting = phone.ok('pending', '--wait', '20');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const code = await sendPush(page);
      const shown = await waiting;
      assert.match(shown, /app: +Latch account/);

      assert.equal(await phone.ok('approve', '--code', code), 'Approved.');
      const approvedAt = Date.now();
      await signedInAs(page, 'Alice Liddell');
      const took = Date.now() - approvedAt;
      assert.ok(
        took < 5000,
        `the browser on A continued ${took} ms after the approval on B (its long-poll alone would take 25 s)`,
      );
      assert.ok(
        b.authEvents().some((e) => e.event === 'push-decision' && e.result === 'success'),
        'B took the decision',
      );
      assert.ok(
        a.authEvents().some((e) => e.event === 'sign-in' && e.result === 'success'),
        'A finished the sign-in',
      );
    });
  });
});
