import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import { HttpClient, visibleText } from '../support/http-client.ts';
import { startTestLatch, type InProcessLatch, type TestUser } from '../support/latch.ts';

// Networks and countries over HTTP, with Latch behind a trusted proxy and reached directly: the
// client address policy sees is the real one, so an X-Forwarded-For header from a peer that is
// not a trusted proxy cannot put a request on the office network (or in another country).

const PASSWORD = 'correct horse battery staple';
const users: TestUser[] = [{ username: 'alice', id: 'id-alice', password: PASSWORD }];
const config = (trustedProxies: string[]) => ({
  server: { trustedProxies },
  networks: { office: ['203.0.113.0/24'] },
  applications: {
    account: {
      name: 'Latch account',
      policy: {
        networks: { rules: [{ network: 'office', action: 'allow-without-2fa' }], otherwise: 'require-2fa' },
        countries: { rules: [{ countries: ['RU'], action: 'deny' }] },
      },
    },
  },
});

/** The password sign-in from `client`; the page it ends on. */
async function signIn(latch: InProcessLatch, forwardedFor: string): Promise<string> {
  const client = new HttpClient(latch.url, { 'x-forwarded-for': forwardedFor });
  return visibleText((await client.signIn('alice', PASSWORD)).text);
}

describe('networks and countries from the real client address', () => {
  let direct: InProcessLatch;
  let proxied: InProcessLatch;
  before(async () => {
    direct = await startTestLatch({ users, config: config([]) });
    proxied = await startTestLatch({ users, config: config(['127.0.0.1']) });
  });
  after(async () => {
    await direct?.stop();
    await proxied?.stop();
  });

  it('through the trusted proxy, the office address signs in with the password alone', async () => {
    assert.match(await signIn(proxied, '203.0.113.9'), /Signed in as alice/);
    assert.ok((await proxied.authReasons()).includes('network office: allow-without-2fa'));
  });

  it('an X-Forwarded-For from a peer that is not a trusted proxy does not put it on the office network', async () => {
    const page = await signIn(direct, '203.0.113.9');
    assert.match(page, /Latch account needs a second factor when you sign in from where you are now/);
    assert.doesNotMatch(page, /Signed in as/);
    const reasons = await direct.authReasons();
    assert.ok(reasons.includes('network (none of office): require-2fa'), reasons.join('\n'));
    const [entry] = await direct.services.authLog.query({ limit: 1 });
    assert.equal(entry!.data.ip, '127.0.0.1', 'the log has the real address');
  });

  it('through the trusted proxy, a country rule refuses with the country named; spoofing a country from outside does not help', async () => {
    assert.match(await signIn(proxied, '194.67.1.1'), /You can't sign in to Latch account from your location \(RU\)\./);
    assert.ok((await proxied.authReasons()).includes('country RU: deny'));
    // The direct peer is 127.0.0.1 whatever the header says: never RU, never the office.
    await signIn(direct, '194.67.1.1');
    assert.ok(!(await direct.authReasons()).includes('country RU: deny'));
  });
});
