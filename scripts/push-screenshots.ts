// Takes the README's screenshots of push sign-in: the sign-in page showing the code, and the
// Latch Authenticator phone web app with the request and with the account's passcode.
//
//   node --import tsx scripts/push-screenshots.ts      # writes docs/push/*.png

import fs from 'node:fs';
import path from 'node:path';
import { launchChromium } from '../test/support/chromium.ts';
import { addUser, REPO_ROOT } from '../test/support/commands.ts';
import { startTestLatch } from '../test/support/latch.ts';
import { activationLink, PASSWORD, passwordThenPush, sendPush, signedInAs } from '../test/push/helpers.ts';

const out = path.join(REPO_ROOT, 'docs', 'push');
fs.mkdirSync(out, { recursive: true });
const latch = await startTestLatch({ run: 'process' });
const chrome = await launchChromium();
try {
  await addUser(latch.env, 'alice', { displayName: 'Alice Liddell', password: PASSWORD });
  const link = await activationLink(latch.url, 'alice');
  const phone = await (
    await chrome.newContext({ viewport: { width: 390, height: 780 }, deviceScaleFactor: 2, isMobile: true })
  ).newPage();
  await phone.goto(link);
  await phone.getByLabel('Name of this device').fill('Alice’s Pixel');
  await phone.getByLabel('Choose a PIN (4 to 12 digits)').fill('2468');
  await phone.getByRole('button', { name: 'Activate' }).click();
  await phone.getByRole('heading', { name: 'Alice Liddell (alice)' }).waitFor();
  await phone.screenshot({ path: path.join(out, 'authenticator-account.png') });

  const computer = await (await chrome.newContext({ viewport: { width: 900, height: 640 } })).newPage();
  await passwordThenPush(computer, latch.url, 'alice');
  const code = await sendPush(computer);
  await computer.screenshot({ path: path.join(out, 'sign-in-code.png') });
  await phone.getByRole('heading', { name: 'Sign-in request' }).waitFor();
  await phone.getByLabel('Code shown in the browser').fill(code);
  await phone.screenshot({ path: path.join(out, 'authenticator-request.png') });
  await phone.getByRole('button', { name: 'Approve' }).click();
  await signedInAs(computer, 'Alice Liddell');
  console.log(`screenshots in ${out}`);
} finally {
  await chrome.close();
  await latch.stop();
}
