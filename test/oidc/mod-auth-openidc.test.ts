import { after, before, it } from 'mocha';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { freePort } from '../support/free-port.ts';
import { startApacheOpenidc, type ApacheRp } from '../support/apache-openidc.ts';
import { startTestLatch, type InProcessLatch } from '../support/latch.ts';
import { SECRET, signInAtPrompt } from './helpers.ts';

// Apache's mod_auth_openidc as a relying party of Latch: a protected page sends the browser to
// Latch, the user signs in, and the page sees the claims.

const BOB = {
  username: 'bob',
  id: 'b0b0b0b0-2222-4333-8444-555566667777',
  password: 'bobs long password',
  displayName: 'Bob Builder',
  email: 'bob@example.test',
  groups: ['builders'],
};

let latch: InProcessLatch;
let apache: ApacheRp;
let browser: Browser;

before(async () => {
  const port = await freePort();
  latch = await startTestLatch({
    users: [BOB],
    config: {
      oidc: {
        clients: [
          {
            client_id: 'apache',
            client_secret: SECRET,
            redirect_uris: [`http://127.0.0.1:${port}/protected/redirect_uri`],
          },
        ],
      },
    },
  });
  apache = await startApacheOpenidc({ port, issuer: latch.url, clientId: 'apache', clientSecret: SECRET });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await apache?.stop();
  await latch?.stop();
});

it('a page protected by mod_auth_openidc: sign in at Latch, the page sees the claims', async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${apache.origin}/protected/claims`);
    assert.equal(new URL(page.url()).origin, latch.url, 'the browser was sent to Latch');
    await signInAtPrompt(page, 'bob', BOB.password);
    await page.waitForURL(`${apache.origin}/protected/claims`, { timeout: 15_000 });
    const text = (await page.textContent('body')) ?? '';
    assert.match(text, new RegExp(`OIDC_CLAIM_sub=${BOB.id}`), `${text}\n${apache.errorLog()}`);
    assert.match(text, /OIDC_CLAIM_email=bob@example\.test/);
    assert.match(text, /OIDC_CLAIM_preferred_username=bob/);
    assert.match(text, /OIDC_CLAIM_groups=builders/);
    assert.match(text, /OIDC_CLAIM_acr=password/);
  } finally {
    await context.close();
  }
});
