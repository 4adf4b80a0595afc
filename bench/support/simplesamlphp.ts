import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitForPort } from '../../test/support/free-port.ts';

// SimpleSAMLphp 1.19 from Debian (`simplesamlphp`) under Apache prefork + mod_php with opcache on,
// everything (config, metadata, keys, sessions, logs, pid) under `dir`: nothing in /etc is used.
// Its LDAP source searches with a service account and binds as the user, as Latch does.

export interface SimpleSamlPhp {
  ssoUrl: string;
  /** Apache's parent process: the CPU of its tree is SimpleSAMLphp's. */
  pid: number;
  stop(): Promise<void>;
}

export interface SimpleSamlPhpOptions {
  /** Created; its parent must let www-data through (mode 0711 or more). */
  dir: string;
  port: number;
  ldap: { url: string; baseDn: string; serviceDn: string; servicePassword: string };
  /** Remote SPs: entity ID → ACS URL; Response and Assertion both signed. */
  sps: Record<string, string>;
}

const MODULES = '/usr/lib/apache2/modules';
const WWW = '/usr/share/simplesamlphp/www';

/** A PHP literal: objects become arrays (keys "0", "1"… positional), strings single-quoted. */
function php(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(php).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `[${Object.entries(value)
      .map(([k, v]) => (/^\d+$/.test(k) ? php(v) : `${php(k)} => ${php(v)}`))
      .join(', ')}]`;
  }
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return JSON.stringify(value);
}

export async function startSimpleSamlPhp(options: SimpleSamlPhpOptions): Promise<SimpleSamlPhp> {
  const { dir, port } = options;
  for (const sub of ['config', 'metadata', 'cert', 'sessions', 'log', 'tmp', 'data'])
    mkdirSync(path.join(dir, sub), { recursive: true });
  const base = `http://127.0.0.1:${port}/simplesaml/`;
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '30',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      path.join(dir, 'cert', 'idp.key'),
      '-out',
      path.join(dir, 'cert', 'idp.crt'),
    ],
    { stdio: 'ignore' },
  );
  const config = {
    baseurlpath: base,
    certdir: `${dir}/cert/`,
    loggingdir: `${dir}/log/`,
    datadir: `${dir}/data/`,
    tempdir: `${dir}/tmp`,
    metadatadir: `${dir}/metadata/`,
    secretsalt: 'bench-salt-0123456789abcdef',
    'auth.adminpassword': 'bench-admin',
    technicalcontact_name: 'Bench',
    technicalcontact_email: 'bench@example.org',
    timezone: 'UTC',
    'logging.level': 3,
    'logging.handler': 'file',
    'enable.saml20-idp': true,
    'store.type': 'phpsession',
    'session.cookie.secure': false,
    'session.phpsession.savepath': `${dir}/sessions`,
    production: true,
    'module.enable': { ldap: true, saml: true, core: true, admin: true },
  };
  writeFileSync(path.join(dir, 'config', 'config.php'), `<?php\n$config = ${php(config)};\n`);
  const ldap = {
    0: 'ldap:LDAP',
    hostname: options.ldap.url,
    enable_tls: false,
    timeout: 5,
    'search.enable': true,
    'search.base': options.ldap.baseDn,
    'search.attributes': ['uid'],
    'search.username': options.ldap.serviceDn,
    'search.password': options.ldap.servicePassword,
    attributes: ['uid', 'mail', 'cn'],
  };
  writeFileSync(
    path.join(dir, 'config', 'authsources.php'),
    `<?php\n$config = ${php({ admin: { 0: 'core:AdminPassword' }, ldap })};\n`,
  );
  const hosted = {
    host: '__DEFAULT__',
    privatekey: 'idp.key',
    certificate: 'idp.crt',
    auth: 'ldap',
    'signature.algorithm': 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    'userid.attribute': 'uid',
  };
  writeFileSync(
    path.join(dir, 'metadata', 'saml20-idp-hosted.php'),
    `<?php\n$metadata['__DYNAMIC:1__'] = ${php(hosted)};\n`,
  );
  const remote = Object.entries(options.sps)
    .map(
      ([entityId, acs]) =>
        `$metadata[${JSON.stringify(entityId)}] = ${php({
          AssertionConsumerService: acs,
          'saml20.sign.response': true,
          'saml20.sign.assertion': true,
          NameIDFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
        })};`,
    )
    .join('\n');
  writeFileSync(path.join(dir, 'metadata', 'saml20-sp-remote.php'), `<?php\n${remote}\n`);
  writeFileSync(path.join(dir, 'httpd.conf'), httpdConf(dir, port));
  writeFileSync(
    path.join(dir, 'opcache.php'),
    "<?php $s = opcache_get_status(false); echo ($s && $s['opcache_enabled']) ? 'on' : 'off';\n",
  );
  // Apache's children run as www-data: they read the config and keys, and write sessions and logs.
  execFileSync('chown', ['-R', 'www-data:www-data', dir]);
  chmodSync(dir, 0o755);
  const apache = spawn('/usr/sbin/apache2', ['-d', dir, '-f', path.join(dir, 'httpd.conf'), '-DFOREGROUND'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', APACHE_RUN_DIR: dir, APACHE_LOCK_DIR: dir },
    stdio: ['ignore', 'inherit', 'inherit'],
    // Its own process group: Apache signals its whole group when it stops.
    detached: true,
  });
  try {
    await waitForPort(port, 15_000);
  } catch (err) {
    apache.kill('SIGKILL');
    throw new Error(
      `Apache with SimpleSAMLphp did not start: ${(err as Error).message}\n${tail(path.join(dir, 'error.log'))}`,
    );
  }
  const opcache = await (await fetch(`http://127.0.0.1:${port}/opcache.php`)).text();
  if (opcache.trim() !== 'on') {
    await stopApache(apache);
    throw new Error(
      `PHP's opcache is not on under Apache (/opcache.php said ${JSON.stringify(opcache.slice(0, 200))})`,
    );
  }
  return { ssoUrl: `${base}saml2/idp/SSOService.php`, pid: apache.pid!, stop: () => stopApache(apache) };
}

function httpdConf(dir: string, port: number): string {
  const modules = ['mpm_prefork', 'authz_core', 'alias', 'env', 'mime', 'dir'].map(
    (m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`,
  );
  return [
    ...modules,
    `LoadModule php_module ${MODULES}/libphp8.2.so`,
    `Listen 127.0.0.1:${port}`,
    `ServerName 127.0.0.1`,
    `PidFile ${dir}/httpd.pid`,
    `ErrorLog ${dir}/error.log`,
    'User www-data',
    'Group www-data',
    'TypesConfig /etc/mime.types',
    'KeepAlive On',
    'StartServers 4',
    'MinSpareServers 4',
    'MaxSpareServers 8',
    'MaxRequestWorkers 16',
    `Alias /simplesaml ${WWW}`,
    `<Directory ${WWW}>`,
    '  Require all granted',
    `  SetEnv SIMPLESAMLPHP_CONFIG_DIR ${dir}/config`,
    '  <FilesMatch "\\.php$">',
    '    SetHandler application/x-httpd-php',
    '  </FilesMatch>',
    '</Directory>',
    // opcache is on for Apache's PHP in Debian (conf.d/10-opcache.ini); /opcache.php shows it.
    `Alias /opcache.php ${dir}/opcache.php`,
    `<Files opcache.php>`,
    '  Require all granted',
    '  SetHandler application/x-httpd-php',
    '</Files>',
    'php_admin_value opcache.memory_consumption 128',
    'php_admin_flag opcache.validate_timestamps Off',
    `php_admin_value session.save_path ${dir}/sessions`,
    '',
  ].join('\n');
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

async function stopApache(apache: ChildProcess): Promise<void> {
  if (apache.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => apache.once('exit', () => resolve()));
  apache.kill('SIGTERM');
  await exited;
}
