import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'mocha';
import { HttpClient, visibleText } from '../support/http-client.ts';
import { addUser } from '../support/commands.ts';
import { startTestLatch, type LatchProcess } from '../support/latch.ts';
import { activationLink, CliPhone, PASSWORD, skipOffer } from './helpers.ts';

// The Latch Authenticator also shows a passcode that works offline: at the second factor, a user
// whose phone cannot be reached picks "Passcode" and types it. Each code works once.

let latch: LatchProcess;
const phone = new CliPhone();

before(async () => {
  latch = await startTestLatch({ run: 'process' });
  await addUser(latch.env, 'olga', { displayName: 'Olga', password: PASSWORD });
  await phone.ok('activate', await activationLink(latch.url, 'olga'), '--name', 'olga phone');
});
after(async () => {
  await latch?.stop();
});

/** Password, then "Passcode" under Other options. */
async function toPasscode(browser: HttpClient) {
  const passwordPage = await browser.passwordPage('olga');
  const push = await browser.submit(passwordPage, { password: PASSWORD });
  assert.match(visibleText(push.text), /Approve with your phone/);
  const passcode = await browser.submit(push, { choose: 'passcode' });
  assert.match(visibleText(passcode.text), /Passcode/);
  return passcode;
}

it("the phone's offline passcode completes the second factor, once", async () => {
  const code = /^(\d{6})\s/.exec(await phone.ok('code'))![1]!;
  const first = new HttpClient(latch.url);
  const done = await skipOffer(first, await first.submit(await toPasscode(first), { code }));
  assert.match(visibleText(done.text), /Signed in as Olga/);

  const second = new HttpClient(latch.url);
  const reused = await second.submit(await toPasscode(second), { code });
  assert.match(visibleText(reused.text), /That code is not right\. Check it and try again\./);
  assert.doesNotMatch(visibleText(reused.text), /Signed in as/);
});

it("the phone's passcode secret is not stored in clear", async () => {
  const accounts = JSON.parse(readFileSync(path.join(phone.home, 'accounts.json'), 'utf8')) as
    { accounts?: Array<{ totpSecret: string }> } | Array<{ totpSecret: string }>;
  const list = Array.isArray(accounts) ? accounts : (accounts.accounts ?? []);
  const secret = list[0]?.totpSecret;
  assert.match(secret ?? '', /^[A-Z2-7]{32}$/, 'the phone holds its secret');
  const files = readdirSync(latch.dataDir).filter((f) => f.startsWith('latch.sqlite'));
  assert.ok(files.length > 0, 'the store files are where the test looks');
  for (const file of files) {
    assert.ok(!readFileSync(path.join(latch.dataDir, file)).includes(secret!), `${file} holds the secret in clear`);
  }
});
