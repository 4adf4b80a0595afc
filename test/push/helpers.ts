import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { nextUnlessOnePage, toPasswordField } from '../support/chromium.ts';
import { HttpClient, type Page as HttpPage } from '../support/http-client.ts';
import { cleanEnv, REPO_ROOT, runCommand, type CommandResult } from '../support/commands.ts';
import { scratchDir } from '../support/temp.ts';

// Shared by the push tests: the command-line authenticator as "the phone", an activation link
// fetched the way a user gets one (account page after signing in), and the browser side steps.

export const PASSWORD = 'correct horse battery';
const BIN = path.join(REPO_ROOT, 'bin', 'latch-authenticator.js');

export class CliPhone {
  readonly home = scratchDir('latch-phone-');

  run(...args: string[]): Promise<CommandResult> {
    return runCommand(process.execPath, [BIN, ...args], { env: cleanEnv({ LATCH_AUTHENTICATOR_HOME: this.home }) });
  }

  /** Runs a command that must succeed; returns its output. */
  async ok(...args: string[]): Promise<string> {
    const result = await this.run(...args);
    assert.equal(result.code, 0, `latch-authenticator ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
    return result.stdout.trim();
  }

  /** Runs a command that must fail; returns its error output. */
  async refused(...args: string[]): Promise<string> {
    const result = await this.run(...args);
    assert.notEqual(result.code, 0, `latch-authenticator ${args.join(' ')} should have failed:\n${result.stdout}`);
    return result.stderr.trim();
  }

  /** The id of the push waiting for this phone (waits up to 10 s). */
  async pendingId(): Promise<string> {
    const out = await this.ok('pending', '--wait', '10');
    const match = /Sign-in request ([A-Za-z0-9_-]{22})/.exec(out);
    assert.ok(match, out);
    return match[1]!;
  }
}

/** Signs in with the password over HTTP and asks the account page for an activation link. */
export async function activationLink(
  base: string,
  username: string,
  password = PASSWORD,
  client = new HttpClient(base),
): Promise<string> {
  await client.signIn(username, password);
  const page = await client.get('/account/authenticator');
  assert.equal(page.status, 200);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
  assert.ok(csrf);
  const activated = await client.post('/account/authenticator/activate', { csrf });
  const link = /id="activation-link" type="text" readonly value="([^"]+)"/.exec(activated.text)?.[1];
  assert.ok(link, `no activation link in:\n${activated.text}`);
  return link.replaceAll('&amp;', '&');
}

/** In Chromium: from the account page to the page after the password. */
export async function passwordThenPush(page: Page, base: string, username: string, password = PASSWORD): Promise<void> {
  await page.goto(`${base}/account/sign-in`);
  await page.getByLabel('Username').fill(username);
  await nextUnlessOnePage(page);
  await toPasswordField(page);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Approve with your phone' }).waitFor();
}

/** Presses "Send push" and returns the code the browser shows ('' when none). */
export async function sendPush(page: Page): Promise<string> {
  await page.getByRole('button', { name: /^Send (another )?push$/ }).click();
  await page.getByRole('status').waitFor();
  const code = page.getByLabel('Verification code');
  return (await code.count()) > 0 ? ((await code.textContent()) ?? '').trim() : '';
}

/** Waits for the account page; passes the passkey offer ("Sign in faster") that follows a password + second factor. */
export async function signedInAs(page: Page, name: string): Promise<void> {
  const signedIn = page.getByRole('heading', { name: `Signed in as ${name}` });
  const offer = page.getByRole('heading', { name: 'Sign in faster next time' });
  await signedIn.or(offer).waitFor();
  if (await offer.isVisible()) {
    await page.getByRole('button', { name: 'Skip for now' }).click();
    await signedIn.waitFor();
  }
}

/** The same over HTTP: skips the passkey offer when the sign-in shows it. */
export async function skipOffer(client: HttpClient, page: HttpPage): Promise<HttpPage> {
  return /Sign in faster next time/.test(page.text) ? client.submit(page, { skip: 'yes' }) : page;
}
