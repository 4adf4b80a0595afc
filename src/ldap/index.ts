import { readFileSync } from 'node:fs';
import type tls from 'node:tls';
import type { LdapConfig } from '../config/ldap.ts';
import { LdapDirectory } from './directory.ts';
import type { LdapLog } from './log.ts';
import { ServerSet } from './servers.ts';

export { LdapDirectory } from './directory.ts';
export type { LdapLog } from './log.ts';

export interface CreateOptions {
  env?: NodeJS.ProcessEnv;
  /** How long a server that failed is skipped (default 30 s). */
  retryAfterMs?: number;
}

/** Builds the directory from `directory.ldap`; reads the CA and the service password now. */
export function createLdapDirectory(config: LdapConfig, log: LdapLog, options: CreateOptions = {}): LdapDirectory {
  const tlsOptions: tls.ConnectionOptions = {
    ca: config.tls.caFile ? readConfigFile(config.tls.caFile, 'directory.ldap.tls.caFile') : undefined,
    rejectUnauthorized: config.tls.verify,
    servername: config.tls.servername,
    minVersion: 'TLSv1.2',
  };
  if (!config.tls.verify) {
    log.warn(
      { key: 'directory.ldap.tls.verify' },
      'ldap: TLS certificate verification is OFF: anyone on the network path can read passwords',
    );
  }
  const clear = config.urls.filter((u) => /^ldap:/i.test(u));
  if (clear.length > 0 && !config.starttls) {
    log.warn({ urls: clear }, 'ldap: ldap:// without starttls: passwords cross the network in clear text');
  }
  const servers = new ServerSet(
    config.urls.map((url) => ({
      url,
      starttls: config.starttls,
      tls: tlsOptions,
      connectTimeout: config.connectTimeout,
      operationTimeout: config.operationTimeout,
    })),
    {
      down: (url, error) => log.warn({ url, error }, 'ldap: directory server not answering; using the next one'),
      up: (url) => log.info({ url }, 'ldap: directory server answering again'),
    },
    options.retryAfterMs,
  );
  const bind = config.bind;
  const service = bind && { name: (bind.dn ?? bind.upn)!, password: servicePassword(bind, options.env ?? process.env) };
  return new LdapDirectory({ config, servers, service, log });
}

function servicePassword(bind: NonNullable<LdapConfig['bind']>, env: NodeJS.ProcessEnv): string {
  if (bind.passwordFile)
    return readConfigFile(bind.passwordFile, 'directory.ldap.bind.passwordFile').replace(/\r?\n$/, '');
  const value = env[bind.passwordEnv!];
  if (!value)
    throw new Error(
      `directory.ldap.bind.passwordEnv: the environment variable ${bind.passwordEnv} is not set or empty`,
    );
  return value;
}

function readConfigFile(file: string, key: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${key}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}
