// Benchmark of SAML single sign-on against a local directory (issue 4):
//   (a) SSO for a user who already has an IdP session: AuthnRequest in, signed Response out
//       (one signature: the assertion);
//   (b) a full SP-initiated sign-in with a password (new browser each time), Response and
//       Assertion both signed.
// Latch runs as its own process so its CPU time (its workers' included) can be read from /proc;
// `openssl speed rsa2048` in the same run gives the RSA-2048 sign rate of one core as the ceiling.
//
//   [LATCH_WORKERS=1] node --import tsx bench/saml-sso.ts [seconds per scenario, default 10] [concurrency, default 4]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import YAML from 'yaml';
import { hashPassword } from '../src/directory/password-hash.ts';
import { freePort, waitForPort } from '../test/support/free-port.ts';
import { runFor } from './support/measure.ts';

const seconds = Number(process.argv[2] ?? 10);
const concurrency = Number(process.argv[3] ?? 4);
const dir = mkdtempSync(path.join(tmpdir(), 'latch-bench-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const ONE_SIG = 'https://one-signature.bench/sp';
const TWO_SIGS = 'https://two-signatures.bench/sp';
let counter = 0;

writeFileSync(
  path.join(dir, 'users.yaml'),
  YAML.stringify({
    users: {
      bench: {
        id: 'id-bench',
        email: 'bench@example.test',
        groups: [],
        password: await hashPassword('bench password'),
      },
    },
  }),
);
writeFileSync(
  path.join(dir, 'latch.yaml'),
  YAML.stringify({
    dataDir: path.join(dir, 'data'),
    log: { level: 'error' },
    directory: { type: 'local', local: { file: path.join(dir, 'users.yaml') } },
    throttle: { perAccount: { maxFailures: 1_000_000, window: '1m' }, perIp: { maxFailures: 1_000_000, window: '1m' } },
    saml: {
      metadataDir: path.join(dir, 'metadata'),
      serviceProviders: {
        one: {
          entityId: ONE_SIG,
          acs: [{ url: 'https://one-signature.bench/acs' }],
          signResponse: false,
          signAssertion: true,
        },
        two: {
          entityId: TWO_SIGS,
          acs: [{ url: 'https://two-signatures.bench/acs' }],
          signResponse: true,
          signAssertion: true,
        },
      },
    },
  }),
);

const latch = spawn(process.execPath, ['bin/latch.js', 'serve'], {
  env: { ...process.env, LATCH_CONFIG: path.join(dir, 'latch.yaml'), LATCH_PORT: String(port), LATCH_BASE_URL: base },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const stop = () => {
  latch.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
};

try {
  await waitForPort(port, 30_000);
  const ceiling = rsaSignRate();
  const session = await passwordSignIn(TWO_SIGS);
  const a = await run(() => ssoWithSession(ONE_SIG, session.cookie));
  const b = await run(async () => void (await passwordSignIn(TWO_SIGS)));
  console.log(`\nopenssl speed rsa2048: ${ceiling.toFixed(0)} signs/s on one core (the ceiling)`);
  console.log(`concurrency ${concurrency}, ${seconds} s per scenario\n`);
  for (const [name, r, target] of [
    ['(a) SSO with session, 1 signature', a, 0.5],
    ['(b) full sign-in with password, 2 signatures', b, 0.3],
  ] as const) {
    const perCpu = r.count / r.cpuSeconds;
    console.log(
      `${name}: ${(r.count / r.wallSeconds).toFixed(1)}/s, ${perCpu.toFixed(1)} per Latch CPU-second ` +
        `(${((100 * perCpu) / ceiling).toFixed(1)}% of the ceiling; target ${target * 100}%), p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, errors ${r.errors}`,
    );
  }
} finally {
  stop();
}

function run(once: () => Promise<void>) {
  return runFor(seconds, concurrency, latch.pid!, once);
}

function rsaSignRate(): number {
  const out = execFileSync('openssl', ['speed', '-seconds', '2', 'rsa2048'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const line = out.split('\n').find((l) => l.startsWith('rsa 2048 bits'))!;
  return Number(line.trim().split(/\s+/)[5]);
}

function authnRequest(sp: string): string {
  const xml =
    `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ` +
    `ID="_bench${process.pid}_${++counter}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${base}/saml2/idp/sso">` +
    `<saml:Issuer>${sp}</saml:Issuer></samlp:AuthnRequest>`;
  return `${base}/saml2/idp/sso?SAMLRequest=${encodeURIComponent(deflateRawSync(xml).toString('base64'))}&RelayState=bench`;
}

async function ssoWithSession(sp: string, cookie: string): Promise<void> {
  const res = await fetch(authnRequest(sp), { headers: { cookie }, redirect: 'manual' });
  const body = await res.text();
  if (res.status !== 200 || !body.includes('name="SAMLResponse"'))
    throw new Error(`SSO: ${res.status} ${body.slice(0, 200)}`);
}

/** A new browser: AuthnRequest, username, password, continue; returns its cookies. */
async function passwordSignIn(sp: string): Promise<{ cookie: string }> {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const go = async (url: string, form?: Record<string, string>) => {
    const res = await fetch(url.startsWith('/') ? base + url : url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: cookie(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: new URLSearchParams(form) } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return { res, body: await res.text() };
  };
  const hidden = (body: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(body)?.[1] ?? '';
  let step = await go(authnRequest(sp));
  const loginUrl = step.res.headers.get('location')!;
  step = await go(loginUrl);
  step = await go(loginUrl, {
    csrf: hidden(step.body, 'csrf'),
    step: hidden(step.body, 'step'),
    username: 'bench',
    action: 'submit',
  });
  // The passkey page comes first for every username: "Other options" -> "Password".
  if (hidden(step.body, 'step') === 'passkey')
    step = await go(loginUrl, { csrf: hidden(step.body, 'csrf'), step: 'passkey', choose: 'password' });
  step = await go(loginUrl, {
    csrf: hidden(step.body, 'csrf'),
    step: hidden(step.body, 'step'),
    username: 'bench',
    password: 'bench password',
    action: 'submit',
  });
  const next = step.res.headers.get('location');
  if (!next) throw new Error(`sign-in did not finish: ${step.res.status} ${step.body.slice(0, 300)}`);
  step = await go(next);
  if (!step.body.includes('name="SAMLResponse"'))
    throw new Error(`no SAML Response: ${step.res.status} ${step.body.slice(0, 300)}`);
  return { cookie: cookie() };
}
