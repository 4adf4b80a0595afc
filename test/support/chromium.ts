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

/**
 * Signs in at Latch's prompt in a page already showing it: username and password on the first page
 * when it asks for both (nothing but the password can follow the username), else the username,
 * then the password.
 */
export async function signInAtPrompt(page: Page, username: string, password: string): Promise<void> {
  await page.fill('#username', username);
  await toPasswordField(page, { fromFirstPage: true });
  await page.fill('#password', password);
  await page.click('button[name=action][value=submit]');
}

/**
 * The username is filled in: "Next", unless the first page asks for the password as well (no
 * "Next" then: the password goes on the same page).
 */
export async function nextUnlessOnePage(page: Page): Promise<void> {
  const next = page.getByRole('button', { name: 'Next' });
  if ((await next.count()) > 0) await next.click();
}

/**
 * After the username: waits for the password field. Where policy allows passkeys, the passkey page
 * comes first for every username; this takes its "Use your password instead" there.
 */
export async function toPasswordField(page: Page, options: { fromFirstPage?: boolean } = {}): Promise<void> {
  if (options.fromFirstPage) await nextUnlessOnePage(page);
  await page.waitForSelector('#password, input[name=step][value=passkey]', { state: 'attached' });
  if (await page.$('#password')) return;
  await page.click('button[name=choose][value=password]');
  await page.waitForSelector('#password');
}

export type { Browser, BrowserContext, Page };
