import { z } from 'zod';

// /metrics (src/ops/metrics.ts): open on the main port unless the operator locks it down with a
// bearer token, a separate listen address, or both.

/** "127.0.0.1:9464", "[::1]:9464", "0.0.0.0:9464". */
const hostPort = z
  .string()
  .regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:9464')
  .refine((value) => Number(value.slice(value.lastIndexOf(':') + 1)) <= 65535, 'expected a port from 1 to 65535');

export const metricsConfig = z.strictObject({
  /** A file whose content scrapers must send as "Authorization: Bearer <token>"; unset, no token is asked for. */
  bearerTokenFile: z.string().min(1).optional(),
  /** Serve /metrics on this address only (not on the main port); unset, the main port serves it. */
  listen: hostPort.optional(),
});

export type MetricsConfig = z.infer<typeof metricsConfig>;

/** Splits "host:port" (brackets around an IPv6 host are removed). */
export function splitHostPort(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  return { host: listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(listen.slice(colon + 1)) };
}
