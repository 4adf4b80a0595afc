import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitForPort } from '../free-port.ts';

// Debian's Apache run from a private directory: `apache2 -d DIR -f DIR/httpd.conf`, never
// touching /etc/apache2. Runs as root; workers drop to www-data, so DIR must be readable by it.

const MODULES = '/usr/lib/apache2/modules';

export interface Apache {
  stop(): Promise<void>;
  errorLog(): string;
}

export function httpdConf(dir: string, port: number, modules: string[], body: string): string {
  return [
    `ServerRoot "${dir}"`,
    `ServerName 127.0.0.1`,
    `Listen 127.0.0.1:${port}`,
    `PidFile ${dir}/httpd.pid`,
    `ErrorLog ${dir}/error.log`,
    `LogLevel warn`,
    `User www-data`,
    `Group www-data`,
    `DefaultRuntimeDir ${dir}`,
    `Mutex file:${dir}`,
    `LoadModule mpm_event_module ${MODULES}/mod_mpm_event.so`,
    `LoadModule authz_core_module ${MODULES}/mod_authz_core.so`,
    `LoadModule authn_core_module ${MODULES}/mod_authn_core.so`,
    ...modules.map((m) => `LoadModule ${m}`),
    `DocumentRoot ${dir}`,
    body,
  ].join('\n');
}

export async function startApache(
  dir: string,
  port: number,
  conf: string,
  env: NodeJS.ProcessEnv = {},
): Promise<Apache> {
  const confFile = path.join(dir, 'httpd.conf');
  writeFileSync(confFile, conf);
  execFileSync('chmod', ['-R', 'a+rX', dir]);
  // The temp folders above DIR are 0700; www-data must be able to pass through them.
  for (let p = path.dirname(dir); p !== '/' && p !== tmpdir(); p = path.dirname(p)) chmodSync(p, 0o755);
  const child = spawn('/usr/sbin/apache2', ['-d', dir, '-f', confFile, '-k', 'start'], {
    env: { ...process.env, ...env, APACHE_RUN_DIR: dir },
    stdio: 'inherit',
  });
  await new Promise((resolve) => child.once('exit', resolve));
  await waitForPort(port).catch((err: Error) => {
    throw new Error(
      `${err.message}\n${existsSync(path.join(dir, 'error.log')) ? readFileSync(path.join(dir, 'error.log'), 'utf8') : ''}`,
    );
  });
  const pidFile = path.join(dir, 'httpd.pid');
  return {
    async stop() {
      if (!existsSync(pidFile)) return;
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return;
      }
      for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 50));
    },
    errorLog: () => (existsSync(path.join(dir, 'error.log')) ? readFileSync(path.join(dir, 'error.log'), 'utf8') : ''),
  };
}
