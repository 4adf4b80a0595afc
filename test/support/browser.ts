import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';

// Real Chromium for end-to-end tests (the Debian package at /usr/bin/chromium), headless.
//
//   const chrome = await launchChromium();                       // once per test file
//   await withContext(chrome, {}, async (context) => { ... });   // a fresh profile per test, always closed
//   await chrome.close();

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

/** Runs `body` in a new browser context (own cookies and storage) and closes it afterwards. */
export async function withContext<T>(browser: Browser, options: BrowserContextOptions, body: (context: BrowserContext) => Promise<T>): Promise<T> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(10_000);
  try {
    return await body(context);
  } finally {
    await context.close();
  }
}
