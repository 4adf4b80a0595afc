import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, waitFor, portInUse, type Daemon } from './daemon.ts';
import { freePort } from './free-port.ts';
import { scratchDir } from './temp.ts';

// Debian's HAProxy in front of Latch nodes on loopback, as docs/cluster.md configures it: round
// robin, health checks on /readyz (a node whose store is down, or that is gone, gets no new
// requests), and a request whose connection to a dead node failed is sent to another node.

export interface Haproxy {
  port: number;
  url: string;
  stop(): Promise<void>;
}

export interface Backend {
  name: string;
  port: number;
}

/** The configuration, also printed in docs/cluster.md (with real addresses there). */
export function haproxyConfig(port: number, backends: Backend[]): string {
  return `global
  maxconn 2000

defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response
  http-reuse never
  option forwardfor

frontend latch
  bind 127.0.0.1:${port}
  default_backend nodes

backend nodes
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 500ms fall 2 rise 2
${backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check`).join('\n')}
`;
}

export async function startHaproxy(
  backends: Backend[],
  options: { host?: string; port?: number } = {},
): Promise<Haproxy> {
  const dir = scratchDir('latch-haproxy-');
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const file = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(file, haproxyConfig(port, backends));
  const daemon: Daemon = startDaemon('/usr/sbin/haproxy', ['-db', '-f', file]);
  await waitFor('haproxy', () => portInUse(port), 10_000, daemon.exited);
  return { port, url: `http://${host}:${port}`, stop: () => daemon.stop() };
}
