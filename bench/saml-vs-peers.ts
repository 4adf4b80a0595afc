// Latch and SimpleSAMLphp side by side, in one run, on the same slapd with 1,000 users: the same
// SP-initiated flow (HTTP-Redirect AuthnRequest in, auto-POST form out, Response and Assertion
// both signed with RSA-2048/SHA-256), driven by the same client at the same concurrency.
//   (a) SSO for a browser that has a session;  (b) full sign-in (new browser, username + password:
//   LDAP search + bind), a different user each time.
// CPU is the IdP's process tree only (Latch's primary and workers; Apache's parent and children),
// from /proc. Run by bench/saml-vs-peers.sh, which installs what it needs.
//
//   node --import tsx bench/saml-vs-peers.ts [seconds per scenario, default 10] [concurrency, default 4]
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import YAML from 'yaml';
import { freePort, waitForPort } from '../test/support/free-port.ts';
import { BULK_PASSWORD, bulkUid, SLAPD_BASE, SLAPD_SERVICE, startSlapd, type Slapd } from '../test/support/slapd.ts';
import { runFor, type TimedRun as Scenario } from './support/measure.ts';
import { startSimpleSamlPhp } from './support/simplesamlphp.ts';

const seconds = Number(process.argv[2] ?? 10);
const concurrency = Number(process.argv[3] ?? 4);
const USERS = 1000;
const SP = 'https://bench.sp.test/sp';
const ACS = 'https://bench.sp.test/acs';
let counter = 0;

interface Idp {
  name: string;
  pid: number;
  ssoUrl: string;
  /** A new browser signs in as `user`; returns its cookies. */
  signIn(user: string): Promise<Jar>;
}

const dir = mkdtempSync(path.join(tmpdir(), 'latch-vs-peers-'));
chmodSync(dir, 0o711); // Apache's www-data children read SimpleSAMLphp's folder inside
let slapd: Slapd;

async function main(): Promise<void> {
  slapd = await startSlapd({ bulkUsers: USERS });
  const cleanups: (() => Promise<void>)[] = [() => slapd.destroy()];
  try {
    const latch = await startLatch();
    cleanups.push(latch.stop);
    const ssp = await startSsp();
    cleanups.push(ssp.stop);
    const ceiling = rsaSignRate();
    const results: [string, Scenario, Scenario][] = [];
    for (const idp of [latch, ssp]) await idp.signIn(bulkUid(0)); // warm up (opcache, pools)
    for (const [name, make] of [
      ['(a) SSO with a session', (idp: Idp) => ssoWithSession(idp)],
      ['(b) full sign-in (LDAP search + bind)', (idp: Idp) => fullSignIn(idp)],
    ] as const) {
      const latchResult = await run(latch, await make(latch));
      const sspResult = await run(ssp, await make(ssp));
      results.push([name, latchResult, sspResult]);
    }
    print(ceiling, results);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

async function ssoWithSession(idp: Idp): Promise<() => Promise<void>> {
  const jar = await idp.signIn(bulkUid(1));
  return async () => {
    const page = await jar.get(authnRequest(idp.ssoUrl));
    if (!page.body.includes('name="SAMLResponse"'))
      throw new Error(`${idp.name} SSO: ${page.status} ${page.body.slice(0, 200)}`);
  };
}

async function fullSignIn(idp: Idp): Promise<() => Promise<void>> {
  let next = 0;
  return async () => void (await idp.signIn(bulkUid(next++ % USERS)));
}

function run(idp: Idp, once: () => Promise<void>): Promise<Scenario> {
  return runFor(seconds, concurrency, idp.pid, once);
}

function print(ceiling: number, results: [string, Scenario, Scenario][]): void {
  console.log(
    `\nopenssl speed rsa2048: ${ceiling.toFixed(0)} signs/s on one core (the ceiling: 2 signatures per sign-in)`,
  );
  console.log(`slapd with ${USERS} users; concurrency ${concurrency}; ${seconds} s per scenario and IdP\n`);
  const row = (idp: string, r: Scenario) =>
    `  ${idp.padEnd(14)} ${(r.count / r.cpuSeconds).toFixed(0).padStart(8)} per IdP CPU-s ${(r.count / r.wallSeconds).toFixed(0).padStart(6)}/s` +
    `   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms   (${r.count} in ${r.wallSeconds.toFixed(1)} s, CPU ${r.cpuSeconds.toFixed(1)} s, errors ${r.errors})`;
  for (const [name, latch, ssp] of results) {
    console.log(name);
    console.log(row('Latch', latch));
    console.log(row('SimpleSAMLphp', ssp));
    const perCpu = latch.count / latch.cpuSeconds / (ssp.count / ssp.cpuSeconds);
    const perWall = latch.count / latch.wallSeconds / (ssp.count / ssp.wallSeconds);
    console.log(`  Latch / SimpleSAMLphp: ${perCpu.toFixed(2)}x per CPU-second, ${perWall.toFixed(2)}x per second\n`);
  }
}

async function startLatch(): Promise<Idp & { stop(): Promise<void> }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const configFile = path.join(dir, 'latch.yaml');
  writeFileSync(
    configFile,
    YAML.stringify({
      dataDir: path.join(dir, 'latch-data'),
      log: { level: 'error' },
      throttle: {
        perAccount: { maxFailures: 1_000_000, window: '1m' },
        perIp: { maxFailures: 1_000_000, window: '1m' },
      },
      directory: {
        type: 'ldap',
        ldap: {
          flavor: 'ldap',
          urls: [slapd.ldapUrl],
          starttls: false,
          bind: { dn: SLAPD_SERVICE.dn, passwordEnv: 'BENCH_LDAP_PASSWORD' },
          baseDns: [`ou=people,${SLAPD_BASE}`],
          loginAttributes: ['uid'],
          userFilter: '(objectClass=inetOrgPerson)',
        },
      },
      saml: {
        metadataDir: path.join(dir, 'latch-metadata'),
        serviceProviders: { bench: { entityId: SP, acs: [{ url: ACS }], signResponse: true, signAssertion: true } },
      },
    }),
  );
  const child = spawn(process.execPath, ['bin/latch.js', 'serve'], {
    env: {
      ...process.env,
      LATCH_CONFIG: configFile,
      LATCH_PORT: String(port),
      LATCH_BASE_URL: base,
      BENCH_LDAP_PASSWORD: SLAPD_SERVICE.password,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitForPort(port, 30_000);
  // Every worker listening: the primary prints its banner to stderr only then, so wait for SSO to answer.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const ssoUrl = `${base}/saml2/idp/sso`;
  return {
    name: 'Latch',
    pid: child.pid!,
    ssoUrl,
    signIn: (user) => latchSignIn(base, ssoUrl, user),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function startSsp(): Promise<Idp & { stop(): Promise<void> }> {
  const ssp = await startSimpleSamlPhp({
    dir: path.join(dir, 'simplesamlphp'),
    port: await freePort(),
    ldap: {
      url: slapd.ldapUrl,
      baseDn: `ou=people,${SLAPD_BASE}`,
      serviceDn: SLAPD_SERVICE.dn,
      servicePassword: SLAPD_SERVICE.password,
    },
    sps: { [SP]: ACS },
  });
  return {
    name: 'SimpleSAMLphp',
    pid: ssp.pid,
    ssoUrl: ssp.ssoUrl,
    signIn: (user) => sspSignIn(ssp.ssoUrl, user),
    stop: ssp.stop,
  };
}

/**
 * Latch's prompt as a browser with a password manager: username and password on the first page
 * when it asks for both; otherwise the username, then (past the passkey page) the password.
 */
async function latchSignIn(base: string, ssoUrl: string, user: string): Promise<Jar> {
  const jar = new Jar();
  let page = await jar.get(authnRequest(ssoUrl));
  const login = page.url;
  const field = (name: string) => hidden(page.body, name);
  if (!page.body.includes('id="password"')) {
    page = await jar.post(login, { csrf: field('csrf'), step: field('step'), username: user, action: 'submit' });
    if (field('step') === 'passkey')
      page = await jar.post(login, { csrf: field('csrf'), step: 'passkey', choose: 'password' });
  }
  page = await jar.post(login, {
    csrf: field('csrf'),
    step: field('step'),
    username: user,
    password: BULK_PASSWORD,
    action: 'submit',
  });
  if (!page.body.includes('name="SAMLResponse"'))
    throw new Error(`Latch sign-in: ${page.status} ${page.url} ${page.body.slice(0, 300)} (${base})`);
  return jar;
}

/** SimpleSAMLphp's core:loginuserpass page: one form, username and password. */
async function sspSignIn(ssoUrl: string, user: string): Promise<Jar> {
  const jar = new Jar();
  let page = await jar.get(authnRequest(ssoUrl));
  if (!page.body.includes('name="AuthState"'))
    throw new Error(`SimpleSAMLphp: no login form: ${page.status} ${page.url} ${page.body.slice(0, 3000)}`);
  page = await jar.post(page.url, {
    AuthState: hidden(page.body, 'AuthState'),
    username: user,
    password: BULK_PASSWORD,
  });
  if (!page.body.includes('name="SAMLResponse"'))
    throw new Error(`SimpleSAMLphp sign-in: ${page.status} ${page.url} ${page.body.slice(0, 300)}`);
  return jar;
}

function authnRequest(ssoUrl: string): string {
  const xml =
    `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ` +
    `ID="_vs${process.pid}_${++counter}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${ssoUrl}" AssertionConsumerServiceURL="${ACS}">` +
    `<saml:Issuer>${SP}</saml:Issuer></samlp:AuthnRequest>`;
  return `${ssoUrl}?SAMLRequest=${encodeURIComponent(deflateRawSync(xml).toString('base64'))}&RelayState=bench`;
}

function hidden(body: string, name: string): string {
  const value = new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(body)?.[1] ?? '';
  return value
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

interface Page {
  status: number;
  url: string;
  body: string;
}

/** A browser's cookies; follows redirects itself so that every Set-Cookie on the way is kept. */
class Jar {
  private readonly cookies = new Map<string, string>();

  get(url: string): Promise<Page> {
    return this.go(url);
  }

  post(url: string, form: Record<string, string>): Promise<Page> {
    return this.go(url, form);
  }

  private async go(url: string, form?: Record<string, string>): Promise<Page> {
    for (let hops = 0; hops < 10; hops++) {
      const res = await fetch(url, {
        method: form ? 'POST' : 'GET',
        redirect: 'manual',
        headers: {
          cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(form ? { body: new URLSearchParams(form) } : {}),
      });
      for (const c of res.headers.getSetCookie()) {
        const pair = c.split(';')[0]!;
        const eq = pair.indexOf('=');
        this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      const location = res.headers.get('location');
      const body = await res.text();
      if (res.status < 300 || res.status >= 400 || !location) return { status: res.status, url, body };
      url = new URL(location, url).href;
      form = undefined;
    }
    throw new Error(`too many redirects from ${url}`);
  }
}

function rsaSignRate(): number {
  const out = execFileSync('openssl', ['speed', '-seconds', '2', 'rsa2048'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const line = out.split('\n').find((l) => l.startsWith('rsa 2048 bits'))!;
  return Number(line.trim().split(/\s+/)[5]);
}

await main();
