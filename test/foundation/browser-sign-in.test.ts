import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, toPasswordField, withContext } from '../support/chromium.ts';
import { addUser } from '../support/commands.ts';
import { startTestLatch, type LatchProcess } from '../support/latch.ts';

// A person signs in with a password in real Chromium, finding every field by its label.

const PASSWORD = 'correct horse battery';

describe('password sign-in in Chromium', () => {
  let latch: LatchProcess;
  let chrome: Browser;

  before(async () => {
    latch = await startTestLatch({ run: 'process' });
    await addUser(latch.env, 'alice', { displayName: 'Alice Liddell', groups: ['staff'], password: PASSWORD });
    chrome = await launchChromium();
  });

  after(async () => {
    await chrome?.close();
    await latch?.stop();
  });

  async function openPrompt(page: Page): Promise<void> {
    await page.goto(`${latch.url}/`);
    await assertVisible(page, 'You are not signed in.');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Username').waitFor();
  }

  /**
   * The username alone, as a person who presses Enter after it does: the first page asks for the
   * password too here (at http://127.0.0.1 browsers refuse passkeys, and a new browser has no
   * passwordless push), and a post without one leads to the password page.
   */
  async function enterUsername(page: Page, username = 'alice'): Promise<void> {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Username').press('Enter');
    await page.getByRole('heading', { name: 'Enter your password' }).waitFor();
    await toPasswordField(page);
  }

  async function enterPassword(page: Page, password = PASSWORD): Promise<void> {
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  async function assertVisible(page: Page, text: string): Promise<void> {
    await page.getByText(text, { exact: false }).first().waitFor({ state: 'visible' });
  }

  it('signs in by label, gets an HttpOnly SameSite=Lax session cookie, and signs out', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await openPrompt(page);
      await enterUsername(page);
      assert.ok(await page.getByRole('button', { name: 'Not you?' }).isVisible());
      await enterPassword(page);
      await page.getByRole('heading', { name: 'Signed in as Alice Liddell' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/');

      const session = (await context.cookies()).find((c) => c.name === 'latch_session');
      assert.ok(session, 'a session cookie is set');
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, 'Lax');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await assertVisible(page, 'You have signed out');
      await page.goto(`${latch.url}/`);
      await assertVisible(page, 'You are not signed in.');
      assert.equal(
        (await context.cookies()).some((c) => c.name === 'latch_session'),
        false,
        'the session cookie is gone',
      );
    });
  });

  it('username and password on one page: one post signs in; a wrong password leads to the password page', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await openPrompt(page);
      assert.equal(await page.getByRole('button', { name: 'Next' }).count(), 0, 'no "Next": one page');
      await page.getByLabel('Username').fill('alice');
      await enterPassword(page, 'not the password');
      await page.getByRole('heading', { name: 'Enter your password' }).waitFor();
      assert.equal((await page.getByRole('alert').textContent())?.trim(), 'Incorrect username or password.');
      assert.ok(await page.getByRole('button', { name: 'Not you?' }).isVisible(), 'who is signing in is shown');
      await enterPassword(page);
      await page.getByRole('heading', { name: 'Signed in as Alice Liddell' }).waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();

      // One post: the username page's form carries both fields, and the next page is the account's.
      await openPrompt(page);
      const posts: string[] = [];
      page.on('request', (request) => void (request.method() === 'POST' && posts.push(request.url())));
      await page.getByLabel('Username').fill('alice');
      await enterPassword(page);
      await page.getByRole('heading', { name: 'Signed in as Alice Liddell' }).waitFor();
      assert.equal(posts.length, 1, `one post to the prompt: ${posts.join(', ')}`);
    });
  });

  it('a wrong password shows the alert and the right one then works', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await openPrompt(page);
      await enterUsername(page);
      await enterPassword(page, 'not the password');
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.equal((await alert.textContent())?.trim(), 'Incorrect username or password.');
      assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true');
      await enterPassword(page);
      await page.getByRole('heading', { name: 'Signed in as Alice Liddell' }).waitFor();
    });
  });

  it('reloading the password page and going Back keep the sign-in on its current step', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await openPrompt(page);
      await enterUsername(page);

      await page.reload();
      await page.getByLabel('Password').waitFor();
      assert.equal(await page.getByLabel('Username').count(), 0, 'still the password page after reload');

      // Back to the prompt's first address: the pages are no-store, so the browser asks again
      // and Latch shows the step the sign-in is on. (At http://127.0.0.1, where browsers refuse
      // WebAuthn, there is no passkey page between the username and the password.)
      await page.evaluate(() => history.back());
      await page.getByLabel('Password').waitFor();
      await enterPassword(page);
      await page.getByRole('heading', { name: 'Signed in as Alice Liddell' }).waitFor();
    });
  });

  it('the username from an out-of-date first page (an older tab) shows the password page with a notice', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await openPrompt(page);
      const older = await context.newPage();
      await older.goto(page.url());
      await older.getByLabel('Username').waitFor();

      await enterUsername(page);
      await older.getByLabel('Username').fill('alice');
      await older.getByLabel('Username').press('Enter');
      await older.getByLabel('Password').waitFor();
      assert.match((await older.getByRole('alert').textContent()) ?? '', /This page was out of date/);
      await enterPassword(older);
      await older.getByRole('heading', { name: 'Signed in as Alice Liddell' }).waitFor();
    });
  });

  it('"Not you?" goes back to the username page, which works again', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await openPrompt(page);
      await enterUsername(page, 'bob');
      await page.getByRole('button', { name: 'Not you?' }).click();
      await page.getByLabel('Username').waitFor();
      await enterUsername(page);
      await enterPassword(page);
      await page.getByRole('heading', { name: 'Signed in as Alice Liddell' }).waitFor();
    });
  });

  it('password sign-in works with JavaScript disabled', async () => {
    await withContext(chrome, { javaScriptEnabled: false }, async (context) => {
      const page = await context.newPage();
      await openPrompt(page);
      await enterUsername(page);
      await enterPassword(page);
      await page.getByRole('heading', { name: 'Signed in as Alice Liddell' }).waitFor();
    });
  });

  it('pages carry a strict CSP and no inline scripts', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      const pages: Array<{ url: string; csp: string | undefined; html: string }> = [];
      page.on('response', async (res) => {
        if (res.request().resourceType() !== 'document' || res.status() >= 300) return;
        pages.push({
          url: res.url(),
          csp: (await res.allHeaders())['content-security-policy'],
          html: await res.text(),
        });
      });
      await openPrompt(page);
      await enterUsername(page);
      await page.waitForLoadState('load');
      assert.ok(pages.length >= 3, `saw the home page and both prompt pages (${pages.map((p) => p.url).join(', ')})`);
      for (const { url, csp, html } of pages) {
        assert.ok(csp, `${url} has a Content-Security-Policy`);
        assert.match(csp, /script-src 'self'/, url);
        assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, url);
        for (const tag of html.match(/<script\b[^>]*>/gi) ?? [])
          assert.match(tag, /\ssrc=/, `${url} has an inline script: ${tag}`);
        assert.doesNotMatch(html, /\son[a-z]+="/i, `${url} has an inline event handler`);
      }
    });
  });
});
