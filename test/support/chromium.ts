import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

// Headless Chromium (the Debian package) driven by playwright-core, for tests of browser flows.

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Signs in at Latch's prompt (identify, then password) in a page already showing it. */
export async function signInAtPrompt(page: Page, username: string, password: string): Promise<void> {
  await page.fill('#username', username);
  await page.click('button[name=action][value=submit]');
  await page.fill('#password', password);
  await page.click('button[name=action][value=submit]');
}

export type { Browser, BrowserContext, Page };
