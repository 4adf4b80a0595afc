// Benchmark: passwordless sign-ins with a passkey, over HTTP against a Latch process, with a
// software authenticator (real ES256 signatures, so Latch verifies real assertions). One sign-in
// is the whole thing a browser does: start at the account app, type the username, answer the
// passkey page, follow the redirects to the signed-in page (6 requests); and the same from
// autofill on the first page (no username, 4 requests). Latch's CPU time is read from /proc.
//
//   node --import tsx bench/webauthn-passwordless.ts [--signins 400] [--concurrency 8]
//
// Prints sign-ins per second, per Latch CPU-second, and p50/p99 latency.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../test/support/free-port.ts';
import { HttpClient } from '../test/support/http-client.ts';
import { REPO_ROOT, addUser, latchEnv, tempDir } from '../test/support/latch-process.ts';
import { pageOptions, type SoftAuthenticator } from '../test/support/soft-authenticator.ts';
import { PASSWORD } from '../test/webauthn/browser-steps.ts';
import { enrollKeyAndPasskey, heading } from '../test/webauthn/http-steps.ts';
import { measure, report, run, waitForHealth } from './support/measure.ts';

const { values: args } = parseArgs({ options: { signins: { type: 'string', default: '400' }, concurrency: { type: 'string', default: '8' } } });
const SIGNINS = Number(args.signins);
const CONCURRENCY = Number(args.concurrency);

async function main(): Promise<void> {
  const port = await freePort();
  const base = `http://localhost:${port}`;
  const env = latchEnv({
    dataDir: tempDir('latch-bench-'),
    port,
    env: { LATCH_LOG_LEVEL: 'warn', LATCH_BASE_URL: base },
    config: { policy: { default: { newUser: 'require-enrollment' } }, signIn: { failureDelay: '1ms' } },
  });
  // One user per worker, so each passkey's sign counter only moves forward.
  const users = Array.from({ length: CONCURRENCY }, (_, i) => `bench${i}`);
  for (const name of users) await addUser(env, name, { password: PASSWORD });
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'latch.js'), 'serve'], { env, cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitForHealth(base);
    const devices = await Promise.all(users.map(async (name) => (await enrollKeyAndPasskey(base, name)).device));
    const byUsername = (worker: number) => signInByUsername(base, users[worker]!, devices[worker]!);
    const byAutofill = (worker: number) => signInFromAutofill(base, users[worker]!, devices[worker]!);
    await run(Math.min(50, SIGNINS), CONCURRENCY, byUsername); // warm-up
    const results = [
      await measure('passkey after username', child.pid!, SIGNINS, CONCURRENCY, byUsername),
      await measure('passkey from autofill', child.pid!, SIGNINS, CONCURRENCY, byAutofill),
    ];
    report(`Latch passwordless benchmark: concurrency ${CONCURRENCY}, SQLite store, one Latch process, ES256 passkeys`, 'sign-in', results);
  } finally {
    child.kill('SIGTERM');
  }
}

async function signInByUsername(base: string, username: string, device: SoftAuthenticator): Promise<void> {
  const browser = new HttpClient(base);
  const page = await browser.submit(await browser.startSignIn(), { username });
  const done = await browser.submit(page, { webauthn_response: JSON.stringify(device.assert(pageOptions(page.text))) });
  if (heading(done) !== `Signed in as ${username}`) throw new Error(`sign-in failed: ${done.text.slice(0, 500)}`);
}

async function signInFromAutofill(base: string, username: string, device: SoftAuthenticator): Promise<void> {
  const browser = new HttpClient(base);
  const first = await browser.startSignIn();
  const done = await browser.submit(first, { passkey_response: JSON.stringify(device.assert(pageOptions(first.text))) });
  if (heading(done) !== `Signed in as ${username}`) throw new Error(`sign-in failed: ${done.text.slice(0, 500)}`);
}

await main();
