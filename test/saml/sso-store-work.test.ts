import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import { HttpClient } from '../support/http-client.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { samlAnswer, samlSso } from '../support/sso-client.ts';
import { recordStoreCalls } from '../support/store-calls.ts';

// Single sign-on for a browser that has a session is the hot path: it reads the session once and
// writes only the AuthnRequest's single-use record. A session that used only a password also
// looks up the user's factors, because a factor enrolled since must stop it (DESIGN.md).

const SP = 'https://hot.sp.test/sp';
const ALICE = { username: 'alice', password: 'alice password 1' };

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
    const page = await samlSso(browser, SP);
    assert.ok(samlAnswer(page), 'the second SSO answers the SP');
    // The auto-POST page goes out whole, in one write with its headers: its length known, not
    // chunked, not compressed.
    assert.equal(page.headers.get('content-length'), String(Buffer.byteLength(page.text)));
    assert.equal(page.headers.get('transfer-encoding'), null);
    assert.equal(page.headers.get('content-encoding'), null);
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
