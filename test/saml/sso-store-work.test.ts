import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import type { Json, Store } from '../../src/store/contract.ts';
import { HttpClient } from '../support/http-client.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { samlAnswer, samlSso } from '../support/sso-client.ts';

// Single sign-on for a browser that has a session is the hot path: it reads the session once and
// writes only the AuthnRequest's single-use record. A session that used only a password also
// looks up the user's factors, because a factor enrolled since must stop it (DESIGN.md).

const SP = 'https://hot.sp.test/sp';
const ALICE = { username: 'alice', password: 'alice password 1' };

/** Every call the app makes on the store (not the calls the store makes on itself), as "method key". */
function recordStoreCalls(store: Store): string[] {
  const calls: string[] = [];
  let depth = 0;
  const watch =
    <A extends unknown[], R>(name: string, original: (...args: A) => R) =>
    (...args: A): R => {
      if (depth === 0) calls.push(`${name} ${String(args[0])}`);
      depth++;
      try {
        return original(...args);
      } finally {
        depth--;
      }
    };
  const s = store;
  const get = s.get.bind(s);
  s.get = <T extends Json>(key: string) => watch('get', get<T>)(key);
  const getVersioned = s.getVersioned.bind(s);
  s.getVersioned = <T extends Json>(key: string) => watch('getVersioned', getVersioned<T>)(key);
  const take = s.take.bind(s);
  s.take = <T extends Json>(key: string) => watch('take', take<T>)(key);
  s.set = watch('set', s.set.bind(s));
  s.createIfAbsent = watch('createIfAbsent', s.createIfAbsent.bind(s));
  s.compareAndSet = watch('compareAndSet', s.compareAndSet.bind(s));
  s.delete = watch('delete', s.delete.bind(s));
  s.increment = watch('increment', s.increment.bind(s));
  s.listIndex = watch('listIndex', s.listIndex.bind(s));
  s.addToIndex = watch('addToIndex', s.addToIndex.bind(s));
  return calls;
}

describe('SAML SSO with a session: store work', () => {
  let latch: InProcessLatch;
  let calls: string[];

  before(async () => {
    latch = await startTestLatch({
      users: [ALICE],
      config: {
        saml: {
          serviceProviders: {
            hot: { entityId: SP, acs: [{ url: 'https://hot.sp.test/acs' }], signResponse: true, signAssertion: true },
          },
        },
      },
    });
    calls = recordStoreCalls(latch.services.store);
  });

  after(async () => {
    await latch?.stop();
  });

  it('the second SSO to an SP reads the session once and writes only the AuthnRequest ID', async () => {
    const browser = new HttpClient(latch.url);
    await browser.signIn(ALICE.username, ALICE.password);
    assert.ok(samlAnswer(await samlSso(browser, SP)), 'the first SSO answers the SP');
    calls.length = 0;
    assert.ok(samlAnswer(await samlSso(browser, SP)), 'the second SSO answers the SP');
    const [write, ...reads] = calls;
    assert.match(write ?? '', /^createIfAbsent saml:authnrequest:/, calls.join('\n'));
    const session = reads.filter((c) => / session:/.test(c));
    assert.equal(session.length, 1, `one read of the session:\n${calls.join('\n')}`);
    assert.match(session[0]!, /^get session:/);
    // The password-only session's check that alice still has no factor (her factor summary): nothing else.
    assert.deepEqual(
      reads.filter((c) => !/ session:/.test(c)).map((c) => c.split(' ')[0]),
      ['getVersioned'],
      calls.join('\n'),
    );
    assert.ok(
      reads.filter((c) => !/ session:/.test(c)).every((c) => c.endsWith(':id-alice')),
      calls.join('\n'),
    );
  });
});
