import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

// Real Chromium for end-to-end tests (the Debian package at /usr/bin/chromium, or $CHROMIUM),
// headless, with the background networking that this closed network refuses turned off.
//
//   const chrome = await launchChromium();                       // once per test file
//   await withContext(chrome, {}, async (context) => { ... });   // a fresh profile per test, always closed
//   await chrome.close();

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/** Runs `body` in a new browser context (own cookies and storage) and closes it afterwards. */
export async function withContext<T>(
  browser: Browser,
  options: BrowserContextOptions,
  body: (context: BrowserContext) => Promise<T>,
): Promise<T> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(10_000);
  try {
    return await body(context);
  } finally {
    await context.close();
  }
}

/** Signs in at Latch's prompt (username, then password) in a page already showing it. */
export async function signInAtPrompt(page: Page, username: string, password: string): Promise<void> {
  await page.fill('#username', username);
  await page.click('button[name=action][value=submit]');
  await toPasswordField(page);
  await page.fill('#password', password);
  await page.click('button[name=action][value=submit]');
}

/**
 * After the username: waits for the password field. Where policy allows passkeys, the passkey page
 * comes first for every username; this takes its "Use your password instead" there.
 */
export async function toPasswordField(page: Page): Promise<void> {
  await page.waitForSelector('#password, input[name=step][value=passkey]', { state: 'attached' });
  if (await page.$('#password')) return;
  await page.click('button[name=choose][value=password]');
  await page.waitForSelector('#password');
}

export type { Browser, BrowserContext, Page };
