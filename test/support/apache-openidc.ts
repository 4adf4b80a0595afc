import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startDaemon, waitFor, type Daemon } from './daemon.ts';

// Apache httpd with mod_auth_openidc (Debian libapache2-mod-auth-openidc) as a relying party on
// 127.0.0.1: /protected/ needs an OpenID Connect sign-in, and /protected/claims is a CGI script
// that prints the OIDC_CLAIM_* variables the module sets. Everything lives in a temp dir.

export interface ApacheRp {
  origin: string;
  redirectUri: string;
  errorLog(): string;
  stop(): Promise<void>;
}

const MODULES = '/usr/lib/apache2/modules';

export async function startApacheOpenidc(options: {
  port: number;
  issuer: string;
  clientId: string;
  clientSecret: string;
}): Promise<ApacheRp> {
  const work = mkdtempSync(path.join(tmpdir(), 'latch-apache-oidc-'));
  chmodSync(work, 0o755); // workers run as www-data
  const origin = `http://127.0.0.1:${options.port}`;
  const redirectUri = `${origin}/protected/redirect_uri`;
  const cgi = path.join(work, 'claims.cgi');
  writeFileSync(cgi, '#!/bin/sh\nprintf "Content-Type: text/plain\\n\\n"\nenv | grep ^OIDC_CLAIM_ | sort\n', {
    mode: 0o755,
  });
  const conf = path.join(work, 'httpd.conf');
  writeFileSync(
    conf,
    `ServerName 127.0.0.1
ServerRoot ${work}
Listen 127.0.0.1:${options.port}
PidFile ${work}/httpd.pid
ErrorLog ${work}/error.log
LogLevel warn auth_openidc:info
User www-data
Group www-data
LoadModule mpm_event_module ${MODULES}/mod_mpm_event.so
LoadModule authz_core_module ${MODULES}/mod_authz_core.so
LoadModule authz_user_module ${MODULES}/mod_authz_user.so
LoadModule authn_core_module ${MODULES}/mod_authn_core.so
LoadModule alias_module ${MODULES}/mod_alias.so
LoadModule cgid_module ${MODULES}/mod_cgid.so
LoadModule auth_openidc_module ${MODULES}/mod_auth_openidc.so
ScriptSock ${work}/cgid.sock
OIDCProviderMetadataURL ${options.issuer}/.well-known/openid-configuration
OIDCClientID ${options.clientId}
OIDCClientSecret ${options.clientSecret}
OIDCRedirectURI ${redirectUri}
OIDCCryptoPassphrase ${randomBytes(24).toString('hex')}
OIDCScope "openid email profile groups"
OIDCPKCEMethod S256
OIDCCacheType shm
ScriptAlias /protected/claims ${cgi}
<Location /protected>
  AuthType openid-connect
  Require valid-user
</Location>
`,
  );
  const daemon: Daemon = startDaemon('apache2', ['-d', work, '-f', conf, '-DFOREGROUND']);
  const stop = async () => {
    await daemon.stop();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'apache2 with mod_auth_openidc',
      async () => (await fetch(`${origin}/`).catch(() => undefined)) !== undefined,
      10_000,
      daemon.exited,
    );
  } catch (err) {
    const log = readSafe(path.join(work, 'error.log'));
    await stop();
    throw new Error(`${(err as Error).message}\n${daemon.output()}\n${log}`);
  }
  return { origin, redirectUri, errorLog: () => readSafe(path.join(work, 'error.log')), stop };
}

function readSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
