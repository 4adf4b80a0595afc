import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'mocha';
import type { OpenIntegration } from '../../src/idp/authapi/integrations.ts';
import { launchChromium, withContext, type Browser, type Page } from '../support/chromium.ts';
import { totpCode } from '../support/passcodes.ts';
import { addIntegration, giveAuthenticatorApp, startAuthApiLatch, user, type AuthApiLatch } from './support.ts';
import { trustOnlyThisCa } from './trust-test-ca.ts';
import { APP_PASSWORD, startUniversalApp, type UniversalApp } from './universal-app.ts';

// The Universal Prompt with the official @duosecurity/duo_universal SDK (npm, 3.0.0) in a small
// web app that keeps its own password: the app signs the user in, Chromium is sent to Latch for
// the second factor only, comes back with a code, and the SDK verifies the ID token. The SDK
// trusts only Latch's test CA (trust-test-ca.ts), its files untouched.

describe('Universal Prompt with @duosecurity/duo_universal and Chromium', function () {
  let api: AuthApiLatch;
  let integration: OpenIntegration;
  let app: UniversalApp;
  let chrome: Browser;
  let secret: string;
  let sdk: InstanceType<typeof import('@duosecurity/duo_universal').Client>;

  before(async () => {
    api = await startAuthApiLatch([user('alice'), user('mallory'), user('carol', { disabled: true })]);
    integration = await addIntegration(api.latch, 'example app', 'universal-prompt');
    secret = await giveAuthenticatorApp(api.latch, 'alice');
    trustOnlyThisCa(readFileSync(api.certs.caFile, 'utf8'));
    // Imported only now: the SDK must make its https.Agent after it was wrapped.
    const { Client } = await import('@duosecurity/duo_universal');
    app = await startUniversalApp((redirectUrl) => {
      sdk = new Client({
        clientId: integration.ikey,
        clientSecret: integration.secret,
        apiHost: new URL(api.latch.url).host,
        redirectUrl,
      });
      return sdk;
    });
    chrome = await launchChromium();
  });

  after(async () => {
    await chrome?.close();
    await app?.stop();
    await api?.latch.stop();
  });

  async function appLogin(page: Page, username: string): Promise<void> {
    await page.goto(`${app.url}/login`);
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', APP_PASSWORD);
    await page.click('button');
  }

  it('the app signs alice in with its password, Latch asks only for the second factor, the SDK verifies the ID token', async () => {
    await withContext(chrome, { ignoreHTTPSErrors: true }, async (context) => {
      const page = await context.newPage();
      await appLogin(page, 'alice');
      await page.getByRole('heading', { name: 'Enter a passcode' }).waitFor();
      assert.ok(page.url().startsWith(`${api.latch.url}/login?tx=`), page.url());
      assert.equal(await page.locator('#password').count(), 0, 'no password at Latch: the app checked it');
      await page.fill('#code', totpCode(secret));
      await page.click('button[name=action][value=submit]');
      await page.locator('#result').waitFor();
      assert.equal(await page.locator('#result').textContent(), 'allow');
      const token = JSON.parse((await page.locator('#token').textContent())!) as {
        preferred_username: string;
        auth_context: { factor: string; application: { name: string } };
      };
      assert.deepEqual(
        [token.preferred_username, token.auth_context.factor, token.auth_context.application.name],
        ['alice', 'passcode', 'example app'],
      );
      const cookies = await context.cookies(api.latch.url);
      assert.ok(!cookies.some((c) => c.name === 'latch_session'), 'no IdP session: Latch never checked a password');
      await assert.rejects(
        sdk.exchangeAuthorizationCodeFor2FAResult(app.lastCode()!, 'alice'),
        /Invalid authorization code/,
        'a code is used once',
      );
    });
  });

  it('a user without a second factor is let through by the default new-user policy, without a prompt', async () => {
    await withContext(chrome, { ignoreHTTPSErrors: true }, async (context) => {
      const page = await context.newPage();
      await appLogin(page, 'mallory');
      await page.locator('#result').waitFor();
      const token = JSON.parse((await page.locator('#token').textContent())!) as { auth_context: { factor: string } };
      assert.equal(token.auth_context.factor, 'not_required');
    });
  });

  it('a health check with the wrong secret is refused, and the SDK says why', async () => {
    const { Client } = await import('@duosecurity/duo_universal');
    const wrong = new Client({
      clientId: integration.ikey,
      clientSecret: 'x'.repeat(40),
      apiHost: new URL(api.latch.url).host,
      redirectUrl: `${app.url}/callback`,
    });
    await assert.rejects(wrong.healthCheck(), /Invalid client assertion: signature does not match the client secret/);
    await sdk.healthCheck();
  });

  it('a disabled user is sent back to the app with access_denied, without a prompt', async () => {
    await withContext(chrome, { ignoreHTTPSErrors: true }, async (context) => {
      const page = await context.newPage();
      await appLogin(page, 'carol');
      await page.locator('#error').waitFor();
      assert.match((await page.locator('#error').textContent())!, /^access_denied: /);
    });
  });

  it('Cancel at the prompt goes back to the app with access_denied; the code is never issued', async () => {
    await withContext(chrome, { ignoreHTTPSErrors: true }, async (context) => {
      const page = await context.newPage();
      await appLogin(page, 'alice');
      await page.getByRole('heading', { name: 'Enter a passcode' }).waitFor();
      await page.click('button[name=action][value=cancel]');
      await page.locator('#error').waitFor();
      assert.match((await page.locator('#error').textContent())!, /^access_denied: cancelled/);
    });
  });
});
