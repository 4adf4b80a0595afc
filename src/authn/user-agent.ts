import Bowser from 'bowser';
import type { BrowserFamily, OsFamily } from '../config/conditions.ts';

// What a User-Agent header says of the browser and the operating system, for policy's browser
// conditions and for the list of a user's browsers on the account page. Parsed with bowser (MIT).
// A User-Agent is what the browser claims: policy on it keeps honest users on supported browsers,
// it stops no attacker, who can send any header.

export interface UserAgentInfo {
  browser?: { family?: BrowserFamily; name: string; version?: string };
  os?: { family?: OsFamily; name: string; version?: string };
  /** "Chrome 131 on Windows 10", or "an unknown browser". */
  label: string;
}

const BROWSER_FAMILY: Record<string, BrowserFamily> = {
  Chrome: 'chrome',
  Chromium: 'chrome',
  'Microsoft Edge': 'edge',
  Firefox: 'firefox',
  Safari: 'safari',
  Opera: 'opera',
  'Samsung Internet for Android': 'samsung',
  'Internet Explorer': 'ie',
};
const OS_FAMILY: Record<string, OsFamily> = {
  Windows: 'windows',
  macOS: 'macos',
  iOS: 'ios',
  Android: 'android',
  Linux: 'linux',
  'Chrome OS': 'chromeos',
};

/** Windows reports its NT version ("NT 10.0"); people and policy know the marketing one ("10"). */
function osVersion(name: string, version: string | undefined, versionName: string | undefined): string | undefined {
  if (name === 'Windows') return versionName && /^\d+(\.\d+)?$/.test(versionName) ? versionName : undefined;
  return version;
}

const major = (version: string | undefined) => version?.split('.')[0];

export function describeUserAgent(userAgent: string): UserAgentInfo {
  if (userAgent.trim() === '') return { label: 'an unknown browser' };
  const parsed = Bowser.parse(userAgent.slice(0, 500));
  const b = parsed.browser.name
    ? {
        family: BROWSER_FAMILY[parsed.browser.name],
        name: parsed.browser.name,
        version: parsed.browser.version || undefined,
      }
    : undefined;
  const osName = parsed.os.name;
  const o = osName
    ? { family: OS_FAMILY[osName], name: osName, version: osVersion(osName, parsed.os.version, parsed.os.versionName) }
    : undefined;
  const browserText = b ? [b.name, major(b.version)].filter(Boolean).join(' ') : 'an unknown browser';
  const osText = o ? [o.name, o.family === 'macos' ? undefined : o.version].filter(Boolean).join(' ') : undefined;
  return { browser: b, os: o, label: osText ? `${browserText} on ${osText}` : browserText };
}

/** -1, 0 or 1 as dotted version `a` is below, equal to or above `b` ("18.2" < "18.10"). */
export function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}
