import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'mocha';
import { assertNoStackTrace, hiddenValue, HttpClient, txOf, visibleText, type Page } from '../support/http-client.ts';
import { addUser } from '../support/commands.ts';
import { startTestLatch, type LatchProcess } from '../support/latch.ts';

// Bad input against a running Latch, over plain HTTP: each case gets a clear page, a log line, no
// 5xx, no stack trace, and leaves the sign-in where it was.

const PASSWORD = 'correct horse battery';
const MAX_BODY = 1024;

function assertClean(client: HttpClient, page: Page): void {
  assert.equal(client.statuses.filter((s) => s >= 500).length, 0, `no 5xx (saw ${client.statuses.join(', ')})`);
  assertNoStackTrace(page.text);
}

function assertShows(page: Page, text: string): void {
  assert.ok(visibleText(page.text).includes(text), `expected "${text}" on the page, got:\n${visibleText(page.text)}`);
}

const isPasswordPage = (page: Page) => page.text.includes('<label for="password">Password</label>');

describe('bad input', () => {
  let latch: LatchProcess;
  let shortLived: LatchProcess;

  before(async () => {
    [latch, shortLived] = await Promise.all([
      startTestLatch({
        run: 'process',
        config: { server: { maxBodyBytes: MAX_BODY }, signIn: { failureDelay: '10ms' } },
      }),
      startTestLatch({ run: 'process', config: { signIn: { transactionLifetime: '1s', failureDelay: '10ms' } } }),
    ]);
    await Promise.all([
      addUser(latch.env, 'alice', { displayName: 'Alice Liddell', password: PASSWORD }),
      addUser(shortLived.env, 'alice', { displayName: 'Alice Liddell', password: PASSWORD }),
    ]);
  });

  after(async () => {
    await Promise.all([latch?.stop(), shortLived?.stop()]);
  });

  /** Auth-log decisions (from the JSON log) about one transaction. */
  const decisionsOf = (server: LatchProcess, tx: string) => server.authEvents().filter((e) => e.transaction === tx);
  const refusalsLogged = (server: LatchProcess) =>
    server.logs().filter((l) => /refused/.test(String(l.msg ?? ''))).length;

  it('an unknown transaction id gets "Your sign-in session expired." (400)', async () => {
    const client = new HttpClient(latch.url);
    for (const tx of [randomBytes(32).toString('base64url'), 'not-a-transaction', '../../etc/passwd']) {
      const page = await client.get(`/login?tx=${encodeURIComponent(tx)}`);
      assert.equal(page.status, 400, tx);
      assertShows(page, 'Your sign-in session expired.');
      assertClean(client, page);
    }
    const post = await client.post(`/login?tx=${randomBytes(32).toString('base64url')}`, { username: 'alice' });
    assert.equal(post.status, 400);
    assertShows(post, 'Your sign-in session expired.');
    assertClean(client, post);
  });

  it('a transaction viewed from another browser gets 403 "started in another browser"', async () => {
    const owner = new HttpClient(latch.url);
    const first = await owner.startSignIn();

    const stranger = new HttpClient(latch.url);
    const noCookie = await stranger.get(first.path);
    assert.equal(noCookie.status, 403);
    assertShows(noCookie, 'This sign-in was started in another browser.');
    assertClean(stranger, noCookie);

    const other = new HttpClient(latch.url);
    await other.startSignIn(); // has its own latch_flow cookie now
    const otherCookie = await other.get(first.path);
    assert.equal(otherCookie.status, 403);
    assertShows(otherCookie, 'started in another browser');
    const otherPost = await other.post(first.path, {
      csrf: hiddenValue(first.text, 'csrf'),
      step: 'identify',
      username: 'alice',
    });
    assert.equal(otherPost.status, 403);
    assertClean(other, otherPost);

    // The owner's sign-in is untouched by all that.
    const password = await owner.passwordPage('alice', first);
    assert.ok(isPasswordPage(password));
    const done = await owner.submit(password, { password: PASSWORD });
    assertShows(done, 'Signed in as Alice Liddell');
    assertClean(owner, done);
  });

  it('a forged or replayed CSRF token shows the page again with "out of date" and changes nothing', async () => {
    const client = new HttpClient(latch.url);
    const first = await client.startSignIn();
    const tx = txOf(first.path);
    const passwordPage = await client.passwordPage('alice', first);
    assert.ok(isPasswordPage(passwordPage));
    const refusalsBefore = latch.logs().filter((l) => /CSRF/.test(String(l.msg ?? ''))).length;

    const forged = await client.post(passwordPage.path, {
      csrf: 'A'.repeat(43),
      step: 'password',
      action: 'submit',
      password: PASSWORD,
    });
    assert.equal(forged.path, `/login?tx=${tx}&notice=stale`);
    assert.equal(forged.status, 200);
    assertShows(forged, 'This page was out of date');
    assert.ok(isPasswordPage(forged), 'still on the password step');

    // The username page's token (an earlier step) replayed with a password.
    const replayed = await client.post(passwordPage.path, {
      csrf: hiddenValue(first.text, 'csrf'),
      step: 'password',
      action: 'submit',
      password: PASSWORD,
    });
    assertShows(replayed, 'This page was out of date');
    assert.ok(isPasswordPage(replayed));
    // …and replayed as the username page it came from.
    const replayedStep = await client.submit(first, { username: 'mallory' });
    assertShows(replayedStep, 'This page was out of date');
    assert.ok(replayedStep.text.includes('<strong>alice</strong>'), 'still signing in as alice');
    assertClean(client, replayedStep);

    // Not signed in, no password checked, and each refusal was logged.
    assertShows(await client.get('/'), 'You are not signed in.');
    await sleep(100);
    assert.deepEqual(
      decisionsOf(latch, tx).filter((e) => e.event === 'password'),
      [],
      'no password check was logged',
    );
    assert.equal(
      latch.logs().filter((l) => /CSRF/.test(String(l.msg ?? ''))).length - refusalsBefore,
      3,
      'each refusal is logged',
    );

    // The transaction still works from where it was, with the page's current token.
    const wrong = await client.submit(replayedStep, { password: 'wrong password' });
    assertShows(wrong, 'Incorrect username or password.');
    await sleep(100);
    assert.equal(
      decisionsOf(latch, tx).filter((e) => e.event === 'password').length,
      1,
      'the real attempt is logged (so the log is being read)',
    );
  });

  it('an oversized body gets a 413 page, no stack trace, and the transaction is unchanged', async () => {
    const client = new HttpClient(latch.url);
    const first = await client.startSignIn();
    const big = await client.post(first.path, {
      csrf: hiddenValue(first.text, 'csrf'),
      step: 'identify',
      action: 'submit',
      username: 'a'.repeat(MAX_BODY * 4),
    });
    assert.equal(big.status, 413);
    assertShows(big, 'The form was too large.');
    assertClean(client, big);
    const again = await client.get(first.path);
    assert.ok(again.text.includes('<label for="username">Username</label>'), 'still the username page');
    assert.equal(hiddenValue(again.text, 'csrf'), hiddenValue(first.text, 'csrf'), 'the transaction did not move');
    assert.ok(refusalsLogged(latch) > 0);
  });

  it('a malformed session cookie shows "You are not signed in." (200)', async () => {
    for (const cookie of [
      'latch_session=%E0%A4%A',
      'latch_session="quoted"',
      `latch_session=${'x'.repeat(4000)}`,
      `latch_session=${'A'.repeat(43)}`,
      'latch_session=; latch_session=a.b.c',
      'latch_device=%%%; latch_flow=../..; latch_session=\u00e9',
    ]) {
      const client = new HttpClient(latch.url, { cookie: encodeURI(cookie).replace(/%25/g, '%') });
      const page = await client.get('/');
      assert.equal(page.status, 200, cookie);
      assertShows(page, 'You are not signed in.');
      assertClean(client, page);
      const signIn = await client.get('/account/sign-in');
      assert.equal(signIn.status, 200, `sign-in still starts with ${cookie}`);
      assertClean(client, signIn);
    }
  });

  it('an expired transaction gets "Your sign-in session expired." and checks no password', async () => {
    const client = new HttpClient(shortLived.url);
    const first = await client.startSignIn();
    const tx = txOf(first.path);
    const passwordPage = await client.passwordPage('alice', first);
    assert.ok(isPasswordPage(passwordPage));
    await sleep(1500);
    const post = await client.submit(passwordPage, { password: PASSWORD });
    assert.equal(post.status, 400);
    assertShows(post, 'Your sign-in session expired.');
    const view = await client.get(passwordPage.path);
    assert.equal(view.status, 400);
    assertShows(view, 'Your sign-in session expired.');
    assertClean(client, view);
    assertShows(await client.get('/'), 'You are not signed in.');
    await sleep(100);
    assert.deepEqual(
      decisionsOf(shortLived, tx).filter((e) => e.event === 'password'),
      [],
    );
  });

  it('a POST with the wrong content type gets 415', async () => {
    const client = new HttpClient(latch.url);
    const first = await client.startSignIn();
    const json = await client.follow(
      await client.request(first.path, {
        method: 'POST',
        body: JSON.stringify({ csrf: hiddenValue(first.text, 'csrf'), step: 'identify', username: 'alice' }),
        headers: { 'content-type': 'application/json' },
      }),
      first.path,
    );
    assert.equal(json.status, 415);
    assertShows(json, 'This form was sent in a way Latch does not accept.');
    assertClean(client, json);
    const again = await client.get(first.path);
    assert.equal(hiddenValue(again.text, 'csrf'), hiddenValue(first.text, 'csrf'), 'the transaction did not move');

    const logout = await client.follow(
      await client.request('/logout', { method: 'POST', body: 'csrf=x', headers: { 'content-type': 'text/plain' } }),
      '/logout',
    );
    assert.equal(logout.status, 415);
    assertClean(client, logout);
  });

  it('sign-out with a forged CSRF token gets 403 and the user stays signed in', async () => {
    const client = new HttpClient(latch.url);
    const home = await client.signIn('alice', PASSWORD);
    assertShows(home, 'Signed in as Alice Liddell');
    for (const form of [{ csrf: 'A'.repeat(43) }, {}] as Array<Record<string, string>>) {
      const page = await client.post('/logout', form);
      assert.equal(page.status, 403);
      assertShows(page, 'Sign-out could not be confirmed.');
      assertClean(client, page);
    }
    assertShows(await client.get('/'), 'Signed in as Alice Liddell');
    // The real button still works.
    const signedOut = await client.post('/logout', { csrf: hiddenValue(home.text, 'csrf') });
    assert.equal(signedOut.status, 200);
    assertShows(await client.get('/'), 'You are not signed in.');
  });
});
