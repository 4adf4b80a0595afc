// Benchmark: passwordless sign-ins with a passkey, over HTTP against a Latch process, with a
// software authenticator (real ES256 signatures, so Latch verifies real assertions). One sign-in
// is the whole thing a browser does: start at the account app, type the username, answer the
// passkey page, follow the redirects to the signed-in page (6 requests); and the same from
// autofill on the first page (no username, 4 requests). Latch's CPU time is read from /proc.
//
//   node --import tsx bench/webauthn-passwordless.ts [--signins 400] [--concurrency 8]
//
// Prints sign-ins per second, per Latch CPU-second, and p50/p99 latency.

import { parseArgs } from 'node:util';
import { HttpClient } from '../test/support/http-client.ts';
import { startTestLatch } from '../test/support/latch.ts';
import { pageOptions, type SoftAuthenticator } from '../test/support/soft-authenticator.ts';
import { PASSWORD } from '../test/webauthn/browser-steps.ts';
import { enrollKeyAndPasskey, heading } from '../test/webauthn/http-steps.ts';
import { measure, report, run } from './support/measure.ts';

const { values: args } = parseArgs({
  options: { signins: { type: 'string', default: '400' }, concurrency: { type: 'string', default: '8' } },
});
const SIGNINS = Number(args.signins);
const CONCURRENCY = Number(args.concurrency);

async function main(): Promise<void> {
  // One user per worker, so each passkey's sign counter only moves forward.
  const users = Array.from({ length: CONCURRENCY }, (_, i) => `bench${i}`);
  const latch = await startTestLatch({
    run: 'process',
    host: 'localhost',
    env: { LATCH_LOG_LEVEL: 'warn' },
    users: users.map((username) => ({ username, password: PASSWORD })),
    config: { policy: { default: { newUser: 'require-enrollment' } } },
  });
  const base = latch.url;
  try {
    const devices = await Promise.all(users.map(async (name) => (await enrollKeyAndPasskey(base, name)).device));
    const byUsername = (worker: number) => signInByUsername(base, users[worker]!, devices[worker]!);
    const byAutofill = (worker: number) => signInFromAutofill(base, users[worker]!, devices[worker]!);
    await run(Math.min(50, SIGNINS), CONCURRENCY, byUsername); // warm-up
    const results = [
      await measure('passkey after username', latch.pid, SIGNINS, CONCURRENCY, byUsername),
      await measure('passkey from autofill', latch.pid, SIGNINS, CONCURRENCY, byAutofill),
    ];
    report(
      `Latch passwordless benchmark: concurrency ${CONCURRENCY}, SQLite store, one Latch process, ES256 passkeys`,
      'sign-in',
      results,
    );
  } finally {
    await latch.stop();
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
  const done = await browser.submit(first, {
    passkey_response: JSON.stringify(device.assert(pageOptions(first.text))),
  });
  if (heading(done) !== `Signed in as ${username}`) throw new Error(`sign-in failed: ${done.text.slice(0, 500)}`);
}

await main();
