import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'mocha';
import { HttpClient, visibleText, type Page } from '../support/http-client.ts';
import { addUser } from '../support/commands.ts';
import { startTestLatch, type LatchProcess } from '../support/latch.ts';
import { scratchDir } from '../support/temp.ts';
import { hotpCode, latchFails, latchOk, otherCode, printedBypassCodes, totpCode } from '../support/passcodes.ts';

// Hardware OATH tokens and the limits around codes, through the real `latch` server and CLI on
// one data dir: CSV import (all or nothing), assignment, HOTP look-ahead and resynchronization,
// bad command input that changes nothing, the per-user limit on wrong codes, and codes that
// never reach a log or the store in clear.

const PASSWORD = 'correct horse battery';
const HOTP_HEX = '3132333435363738393031323334353637383930'; // RFC 4226 test key
const TOTP_HEX = '00112233445566778899aabbccddeeff00112233';
const TOTP_BASE32 = base32(Buffer.from('0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c', 'hex'));

describe('hardware tokens, bypass-code commands and code limits', () => {
  let latch: LatchProcess;
  /** Every code typed in these tests, to look for in logs and store files afterwards. */
  const typed: string[] = [];

  before(async () => {
    // Passwordless is off here so that the "Sign in faster" offer (test/webauthn) stays out of the way.
    latch = await startTestLatch({
      run: 'process',
      config: { passcodes: { throttle: { maxFailures: 3, window: '15m' } }, policy: { default: { passwordless: [] } } },
    });
    for (const name of ['bob', 'carol', 'dave', 'erin']) await addUser(latch.env, name, { password: PASSWORD });
  });
  after(() => latch?.stop());

  /** Username and password; returns the page that follows (the second factor). */
  async function passwordFirst(username: string): Promise<{ client: HttpClient; page: Page }> {
    const client = new HttpClient(latch.url);
    const page = await client.signIn(username, PASSWORD);
    return { client, page };
  }

  async function code(client: HttpClient, page: Page, value: string): Promise<Page> {
    typed.push(value);
    return client.submit(page, { code: value });
  }

  const heading = (page: Page) => /<h1>([^<]*)<\/h1>/.exec(page.text)?.[1];
  const alert = (page: Page) =>
    visibleText(/<p class="alert" role="alert"[^>]*>([^<]*)<\/p>/.exec(page.text)?.[1] ?? '').trim();

  it('a CSV with a bad line imports nothing and says where and what is wrong', async () => {
    const file = path.join(scratchDir(), 'bad.csv');
    writeFileSync(file, `serial,secret,type\nT-100,${HOTP_HEX},hotp\nT-101,${TOTP_HEX},sometimes\n`);
    const result = await latchFails(latch.env, ['tokens', 'import', file]);
    assert.match(
      result.stderr,
      /the token file has 1 problem\(s\); nothing was imported:\n {2}- line 3, column 3 \(type\): "sometimes": expected hotp or totp/,
    );
    assert.ok(!result.stderr.includes(TOTP_HEX), 'the message does not repeat secrets');
    assert.match(await latchOk(latch.env, ['tokens', 'list']), /No tokens yet/);
    assert.match(
      (await latchFails(latch.env, ['tokens', 'import', file, '--encoding', 'base64'])).stderr,
      /--encoding "base64": expected hex or base32; nothing was imported/,
    );
  });

  it('tokens are imported, listed, and assigned; an HOTP token signs in and resynchronizes', async () => {
    const file = path.join(scratchDir(), 'tokens.csv');
    writeFileSync(file, `serial,secret,type\nT-100,${HOTP_HEX},hotp\nT-200,${TOTP_HEX},totp\n`);
    assert.match(await latchOk(latch.env, ['tokens', 'import', file]), /Imported 2 token\(s\) \(1 HOTP, 1 TOTP\)/);
    assert.match(
      (await latchFails(latch.env, ['tokens', 'import', file])).stderr,
      /already imported: T-100, T-200; nothing was imported/,
    );
    assert.match(await latchOk(latch.env, ['tokens', 'assign', 'T-100', 'bob']), /Token T-100 is now bob's\./);
    assert.match(
      (await latchFails(latch.env, ['tokens', 'assign', 'T-100', 'carol'])).stderr,
      /token T-100 is assigned to another user; unassign it first/,
    );
    assert.match(
      (await latchFails(latch.env, ['tokens', 'assign', 'T-200', 'nobody'])).stderr,
      /there is no user "nobody"/,
    );
    const list = await latchOk(latch.env, ['tokens', 'list']);
    assert.match(list, /T-100\s+HOTP\s+6\s+bob/);
    assert.match(list, /T-200\s+TOTP\s+6\s+-/);

    let { client, page } = await passwordFirst('bob');
    assert.equal(heading(page), 'Enter a passcode');
    assert.match(page.text, /Press the button on your token and enter the code it shows\./);
    page = await code(client, page, hotpCode(HOTP_HEX, 2)); // two presses went unused: within the look-ahead
    assert.equal(page.path, '/');
    assert.match(visibleText(page.text), /with password and passcode/);

    ({ client, page } = await passwordFirst('bob'));
    page = await code(client, page, hotpCode(HOTP_HEX, 1)); // behind the counter: used up
    assert.equal(alert(page), 'That code is not right. Check it and try again.');
    page = await code(client, page, hotpCode(HOTP_HEX, 40)); // far ahead: asks for the next code
    assert.equal(heading(page), 'Enter the next code');
    assert.equal(alert(page), 'Your token is out of step with Latch. Press its button again and enter the new code.');
    page = await code(client, page, hotpCode(HOTP_HEX, 41));
    assert.equal(page.path, '/');
    const resync = await latch.authEvent(
      (e) => e.event === 'passcode' && e.result === 'success' && String(e.reason).includes('resynchroniz'),
    );
    assert.equal(resync.reason, 'passcode from HOTP token T-100 accepted after resynchronizing the token');

    ({ client, page } = await passwordFirst('bob'));
    page = await code(client, page, hotpCode(HOTP_HEX, 42));
    assert.equal(page.path, '/', 'the counter follows the token after the resync');
  });

  it('a TOTP token (base32 file) works for its user; removed from the user, it no longer does', async () => {
    const file = path.join(scratchDir(), 'totp.csv');
    writeFileSync(file, `T-300,${TOTP_BASE32},totp,8,60\n`);
    assert.match(await latchOk(latch.env, ['tokens', 'import', file, '--encoding', 'base32']), /Imported 1 token/);
    await latchOk(latch.env, ['tokens', 'assign', 'T-300', 'dave']);
    let { client, page } = await passwordFirst('dave');
    page = await code(client, page, totpCode(TOTP_BASE32, 0, 8, 60));
    assert.equal(page.path, '/');
    assert.match(await latchOk(latch.env, ['passcodes', 'list', 'dave']), /token:T-300\s+TOTP token T-300/);
    assert.match(
      (await latchFails(latch.env, ['passcodes', 'remove', 'dave', 'app-nope'])).stderr,
      /dave has no passcode credential "app-nope"; see `latch passcodes list dave`/,
    );
    assert.match(
      await latchOk(latch.env, ['passcodes', 'remove', 'dave', 'token:T-300']),
      /Removed the TOTP token T-300 of dave \(the token is back in stock, unassigned\)\./,
    );
    assert.match(await latchOk(latch.env, ['tokens', 'list']), /T-300\s+TOTP\s+8\s+-/);
    assert.match(await latchOk(latch.env, ['tokens', 'unassign', 'T-300']), /Token T-300 was not assigned to anyone\./);
    ({ client, page } = await passwordFirst('dave'));
    assert.equal(page.path, '/', 'no second factor left; the default new-user policy lets dave in');
  });

  it('bad bypass-code options and unknown users are refused and generate nothing', async () => {
    for (const [args, message] of [
      [['--count', '0'], /--count "0": expected a whole number from 1 to 100; nothing was generated/],
      [['--uses', 'lots'], /--uses "lots": expected a whole number from 1 to 100; nothing was generated/],
      [
        ['--expires', '2y'],
        /--expires "2y": expected a duration from 1m to 365d, such as "8h" or "7d"; nothing was generated/,
      ],
    ] as const) {
      assert.match((await latchFails(latch.env, ['bypass-codes', 'generate', 'carol', ...args])).stderr, message);
    }
    assert.match(
      (await latchFails(latch.env, ['bypass-codes', 'generate', 'nobody'])).stderr,
      /there is no user "nobody" in the local directory/,
    );
    assert.match(await latchOk(latch.env, ['bypass-codes', 'list', 'carol']), /carol has no usable bypass codes\./);
  });

  it('wrong codes are limited per user: after 3, even a right code and a bypass code wait', async () => {
    await latchOk(latch.env, ['tokens', 'assign', 'T-200', 'carol']);
    const [bypass] = printedBypassCodes(await latchOk(latch.env, ['bypass-codes', 'generate', 'carol']));
    const right = () => totpCode(base32(Buffer.from(TOTP_HEX, 'hex')));
    let { client, page } = await passwordFirst('carol');
    for (let i = 0; i < 3; i++) {
      page = await code(client, page, otherCode(right()));
      assert.equal(alert(page), 'That code is not right. Check it and try again.');
    }
    page = await code(client, page, right());
    assert.match(alert(page), /^Too many wrong codes\. Wait 1[45] minutes and try again\.$/);
    page = await client.post(page.path, { csrf: hiddenCsrf(page), step: 'passcode', choose: 'bypass-code' });
    assert.equal(heading(page), 'Enter a bypass code');
    page = await code(client, page, bypass!);
    assert.match(alert(page), /^Too many wrong codes\./);
    assert.match(
      await latchOk(latch.env, ['bypass-codes', 'list', 'carol']),
      /carol has 1 usable bypass code/,
      'the refused attempt did not use the code',
    );
    const throttled = latch.authEvents().filter((e) => e.user === 'carol' && e.result === 'throttled');
    assert.deepEqual(
      throttled.map((e) => e.event),
      ['passcode', 'bypass-code'],
    );
    assert.match(String(throttled[0]!.reason), /^too many wrong codes for this user; refused for 1[45] minutes$/);
  });

  it('account page: a forged form changes nothing; once an app exists, a password-only session cannot change it', async () => {
    const { client } = await passwordFirst('erin'); // no second factor: the default policy lets erin in with a password
    let page = await client.get('/account/passcodes');
    assert.match(visibleText(page.text), /You have no authenticator app set up\./);
    page = await client.post('/account/passcodes/new', { csrf: 'forged' });
    assert.equal(page.status, 403);
    assert.match(visibleText(page.text), /That change could not be confirmed\. Nothing was changed\./);

    page = await client.post('/account/passcodes/new', { csrf: hiddenCsrf(await client.get('/account/passcodes')) });
    const secret = /id="totp-secret">([^<]+)</.exec(page.text)![1]!.replace(/\s/g, '');
    const csrf = hiddenCsrf(page);
    page = await client.post('/account/passcodes/confirm', { csrf, code: totpCode(secret) });
    assert.match(visibleText(page.text), /Your authenticator app is set up\./);
    assert.match(await latchOk(latch.env, ['passcodes', 'list', 'erin']), /^app-\S+\s+authenticator app/m);

    // The same password-only session may no longer remove or replace it.
    assert.match(
      visibleText(page.text),
      /To change your authenticator app, sign out and sign in again with your second factor\./,
    );
    assert.doesNotMatch(page.text, /Remove<\/button>/);
    const id = /^(app-\S+)/m.exec(await latchOk(latch.env, ['passcodes', 'list', 'erin']))![1]!;
    page = await client.post('/account/passcodes/remove', { csrf, id });
    assert.equal(page.status, 403);
    assert.match(await latchOk(latch.env, ['passcodes', 'list', 'erin']), new RegExp(id));
  });

  it('no code, secret or bypass code appears in the logs or, in clear, in the store files', async () => {
    const logs = JSON.stringify(latch.logs()) + latch.stderr();
    assert.ok(typed.length >= 10);
    // Bounded by non-digits: a code may by chance be part of a longer number such as a timestamp.
    for (const value of typed)
      assert.doesNotMatch(logs, new RegExp(`(?<!\\d)${value}(?!\\d)`), `the code ${value} is not in the logs`);
    const [bypass] = printedBypassCodes(await latchOk(latch.env, ['bypass-codes', 'generate', 'bob']));
    const files = readdirSync(latch.dataDir)
      .filter((f) => f.startsWith('latch.sqlite'))
      .map((f) => readFileSync(path.join(latch.dataDir, f)).toString('latin1'));
    assert.ok(files.length > 0);
    for (const text of files) {
      for (const secret of [
        HOTP_HEX,
        TOTP_HEX,
        TOTP_BASE32,
        base32(Buffer.from(HOTP_HEX, 'hex')),
        base32(Buffer.from(TOTP_HEX, 'hex')),
      ])
        assert.ok(!text.includes(secret), 'no token secret in clear');
      assert.ok(!text.includes(bypass!.replace(' ', '')) && !text.includes(bypass!), 'no bypass code in clear');
    }
  });
});

function hiddenCsrf(page: Page): string {
  return /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;
}

function base32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}
