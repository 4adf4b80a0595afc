// Benchmark: the OIDC authorization code flow for a user who already has a Latch session
// (authorize → code, answered from the session → token exchange), with ES256 and RS256 ID
// tokens, and the refresh grant (with rotation). Latch runs as its own process, so its CPU time
// is measured apart from this load generator; both clients are warmed up before either is
// measured, so the figures are those of a server that has been running (JIT-compiled).
//
//   node --import tsx bench/oidc-code-flow.ts [--flows 400] [--warmup 300] [--concurrency 8] [--refreshes 400]
//
// Prints requests per second, complete flows per Latch CPU-second, and p50/p99 latency.
// Target (issue 5): at least 500 complete code flows per Latch CPU-second with ES256.

import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { HttpClient } from '../test/support/http-client.ts';
import { startTestLatch } from '../test/support/latch.ts';
import { measure, report, run, type Result } from './support/measure.ts';

const { values: args } = parseArgs({
  options: {
    flows: { type: 'string', default: '400' },
    warmup: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '8' },
    refreshes: { type: 'string', default: '400' },
  },
});
const FLOWS = Number(args.flows);
const WARMUP = Number(args.warmup);
const CONCURRENCY = Number(args.concurrency);
const REFRESHES = Number(args.refreshes);
const SECRET = randomBytes(24).toString('hex');
const REDIRECT = 'http://127.0.0.1:9/cb';
const TARGET = 500;

async function main(): Promise<void> {
  const latch = await startTestLatch({
    run: 'process',
    env: { LATCH_LOG_LEVEL: 'warn' },
    users: [{ username: 'bench', password: 'bench password 123' }],
    config: {
      oidc: {
        clients: [
          { client_id: 'rs', client_secret: SECRET, redirect_uris: [REDIRECT], id_token_signed_response_alg: 'RS256' },
          { client_id: 'es', client_secret: SECRET, redirect_uris: [REDIRECT], id_token_signed_response_alg: 'ES256' },
        ],
      },
    },
  });
  const base = latch.url;
  try {
    const browsers = await Promise.all(Array.from({ length: CONCURRENCY }, () => signedInBrowser(base)));
    const results: Result[] = [];
    for (const clientId of ['es', 'rs'])
      await run(WARMUP, CONCURRENCY, (worker) => codeFlow(base, clientId, browsers[worker]!));
    for (const clientId of ['es', 'rs']) {
      results.push(
        await measure(`code flow ${clientId === 'es' ? 'ES256' : 'RS256'}`, latch.pid, FLOWS, CONCURRENCY, (worker) =>
          codeFlow(base, clientId, browsers[worker]!),
        ),
      );
    }
    // One refresh token per worker: a rotated token must not be used twice (that revokes the grant).
    const tokens = await Promise.all(
      browsers.map(async (browser) => (await codeFlow(base, 'es', browser)).refresh_token),
    );
    results.push(
      await measure('refresh grant (rotation)', latch.pid, REFRESHES, CONCURRENCY, async (worker) => {
        const refreshed = await tokenRequest(base, 'es', {
          grant_type: 'refresh_token',
          refresh_token: tokens[worker]!,
        });
        tokens[worker] = refreshed.refresh_token;
      }),
    );
    reportAgainstTarget(results);
  } finally {
    await latch.stop();
  }
}

async function signedInBrowser(base: string): Promise<HttpClient> {
  const browser = new HttpClient(base);
  await browser.signIn('bench', 'bench password 123');
  return browser;
}

/** One complete flow: the browser's requests with the session cookie until the code, then the token exchange. */
async function codeFlow(base: string, clientId: string, browser: HttpClient): Promise<{ refresh_token: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: 'openid email',
    redirect_uri: REDIRECT,
    state: 's',
    nonce: 'n',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  let url = `${base}/oidc/auth?${query}`;
  for (let hop = 0; hop < 6; hop++) {
    const res = await browser.request(url);
    await res.arrayBuffer();
    const location = res.headers.get('location');
    if (!location) throw new Error(`flow stopped at ${url}: ${res.status}`);
    if (location.startsWith(REDIRECT)) {
      const code = new URL(location).searchParams.get('code');
      if (!code) throw new Error(`no code: ${location}`);
      return tokenRequest(base, clientId, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        code_verifier: verifier,
      });
    }
    url = new URL(location, url).href;
  }
  throw new Error('too many redirects');
}

async function tokenRequest(
  base: string,
  clientId: string,
  form: Record<string, string>,
): Promise<{ refresh_token: string }> {
  const res = await fetch(`${base}/oidc/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form),
  });
  const body = (await res.json()) as { refresh_token?: string; id_token?: string; error?: string };
  if (!res.ok || !body.id_token) throw new Error(`token endpoint: ${res.status} ${JSON.stringify(body)}`);
  return { refresh_token: body.refresh_token! };
}

function reportAgainstTarget(results: Result[]): void {
  report(`Latch OIDC benchmark: concurrency ${CONCURRENCY}, SQLite store, one Latch process`, 'operation', results);
  const es = results[0]!;
  const perCpu = es.count / es.cpuSeconds;
  console.log(
    `\nTarget: ≥ ${TARGET} complete ES256 code flows per Latch CPU-second: ${perCpu.toFixed(0)} → ${perCpu >= TARGET ? 'MET' : 'NOT MET'}`,
  );
}

await main();
