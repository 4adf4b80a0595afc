import { after, before, it } from 'mocha';
import assert from 'node:assert/strict';
import { HttpClient, assertNoStackTrace, visibleText } from '../support/http-client.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { spMetadataXml } from '../support/sp-metadata.ts';

// IdP-initiated sign-in (/saml2/idp/init) posts its RelayState to the SP, and SPs such as
// Shibboleth send the browser there after the sign-in: an open redirect at the SP unless Latch
// accepts only a path on the SP, or a URL on an origin the SP's options allow.

const WIKI = 'https://wiki.sp.test/metadata';
const PLAIN = 'https://plain.sp.test/metadata';

let latch: InProcessLatch;

before(async () => {
  latch = await startTestLatch({
    host: 'localhost',
    users: [{ username: 'erin', password: 'relay-state-pass' }],
    config: {
      saml: {
        serviceProviders: {
          wiki: {
            metadataXml: spMetadataXml({ entityId: WIKI, acs: ['https://wiki.sp.test/acs'] }),
            relayStateOrigins: ['https://wiki.sp.test', 'https://docs.example.test:8443'],
            defaultRelayState: '/home',
          },
          plain: { metadataXml: spMetadataXml({ entityId: PLAIN, acs: ['https://plain.sp.test/acs'] }) },
        },
      },
    },
  });
});
after(async () => {
  await latch?.stop();
});

const initPath = (sp: string, relayState?: string) =>
  `/saml2/idp/init?sp=${encodeURIComponent(sp)}${relayState === undefined ? '' : `&RelayState=${encodeURIComponent(relayState)}`}`;

async function signedIn(): Promise<HttpClient> {
  const browser = new HttpClient(latch.url);
  const page = await browser.signIn('erin', 'relay-state-pass');
  assert.equal(page.status, 200);
  return browser;
}

/** The Response page's form: where it posts and the RelayState it carries. */
function postedTo(html: string): { action: string; relayState: string | undefined } {
  assert.match(html, /name="SAMLResponse"/, 'a Response is posted');
  const relayState = /name="RelayState" value="([^"]*)"/.exec(html)?.[1];
  return {
    action: /<form method="post" action="([^"]+)"/.exec(html)![1]!,
    relayState: relayState?.replace(/&amp;/g, '&'),
  };
}

const OFF_SITE = [
  'https://evil.test/phish',
  '//evil.test/phish',
  '/\\evil.test/phish',
  '\\\\evil.test',
  '/\t/evil.test/phish',
  'javascript:alert(document.domain)',
  'https://wiki.sp.test.evil.test/',
  'https://wiki.sp.test@evil.test/',
  'http://wiki.sp.test/downgraded',
  'https://wiki.sp.test:444/other-port',
  'https://docs.example.test/default-port',
  'data:text/html,<script>alert(1)</script>',
  'phish',
];

it('a RelayState off the SP is refused with a clear page and no Response, signed in or not', async () => {
  const browser = await signedIn();
  for (const relayState of OFF_SITE) {
    for (const client of [browser, new HttpClient(latch.url)]) {
      const res = await client.request(initPath(WIKI, relayState));
      const body = await res.text();
      assert.equal(res.status, 400, `${relayState}: ${body}`);
      assert.match(visibleText(body), /The address to continue to after signing in is not one this application allows/);
      assert.doesNotMatch(body, /SAMLResponse/, `${relayState}: nothing is posted to the SP`);
      assert.equal(res.headers.get('location'), null, `${relayState}: no sign-in is started`);
      assertNoStackTrace(body);
    }
  }
});

it('an SP without relayStateOrigins takes relative paths only', async () => {
  const browser = await signedIn();
  const refused = await browser.request(initPath(PLAIN, 'https://plain.sp.test/deep'));
  assert.equal(refused.status, 400);
  assert.doesNotMatch(await refused.text(), /SAMLResponse/);
  const page = await browser.get(initPath(PLAIN, '/deep/link?x=1&y=2#top'));
  assert.deepEqual(postedTo(page.text), { action: 'https://plain.sp.test/acs', relayState: '/deep/link?x=1&y=2#top' });
});

it('a path on the SP, or a URL on an allowed origin, is posted to the SP as given', async () => {
  const browser = await signedIn();
  const allowed = [
    '/wiki/Start?action=edit',
    'https://wiki.sp.test/wiki/Start',
    'https://docs.example.test:8443/guide',
    'HTTPS://WIKI.SP.TEST/up',
  ];
  for (const relayState of allowed) {
    const page = await browser.get(initPath(WIKI, relayState));
    assert.equal(page.status, 200);
    assert.deepEqual(postedTo(page.text), { action: 'https://wiki.sp.test/acs', relayState });
  }
  // Without one, the SP's defaultRelayState.
  assert.equal(postedTo((await browser.get(initPath(WIKI))).text).relayState, '/home');
  // Before signing in, an allowed RelayState starts the sign-in as before.
  const start = await new HttpClient(latch.url).request(initPath(WIKI, 'https://wiki.sp.test/x'));
  assert.equal(start.status, 302);
  assert.match(start.headers.get('location') ?? '', /^\/login\?tx=/);
});
