import { isIP } from 'node:net';

// Applications added in the console send users' assertions and codes to their endpoints, and
// their metadata says whom to trust: https is required, except on the machine itself (loopback),
// unless admin.allowHttp says otherwise (a lab).

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

/** Why this URL may not be used, or undefined when it may. Other schemes (a native app's) are for the caller. */
export function httpsProblem(url: string, allowHttp: boolean): string | undefined {
  const parsed = URL.parse(url);
  if (!parsed) return `${url} is not a URL`;
  if (parsed.protocol !== 'http:' || allowHttp || isLoopback(parsed.hostname)) return undefined;
  return `${url} is not https: users' sign-ins would cross the network in the clear (http:// is allowed only on loopback, or everywhere with admin.allowHttp)`;
}
