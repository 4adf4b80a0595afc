import type { LatchConfig } from '../config/schema.ts';

// Every endpoint an integrator needs, as `latch urls` prints them. Front ends add their own lines.
export function endpointList(config: LatchConfig): Array<[string, string]> {
  const base = config.server.baseUrl;
  return [
    ['Account page (sign in / sign out)', `${base}/`],
    ['Sign-in prompt', `${base}/login`],
    ['Health', `${base}/healthz`],
    ['Readiness', `${base}/readyz`],
    ['Prometheus metrics', `${base}/metrics`],
  ];
}

export function formatUrls(config: LatchConfig): string {
  const rows = endpointList(config);
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, url]) => `${label.padEnd(width)}  ${url}`).join('\n');
}
