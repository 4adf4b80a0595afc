import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, it } from 'mocha';
import { loadConfig } from '../../config/load.ts';
import { createLogger } from '../../ops/logger.ts';
import type { Store } from '../../store/contract.ts';
import { openSqliteStore } from '../../store/sqlite.ts';
import { scratchDir } from '../../../test/support/temp.ts';
import { AuthLog } from '../../authn/auth-log.ts';
import { createPush, type Push } from './push.ts';
import { commandLineSafeId } from './requests.ts';
import type { PushDevice } from './devices.ts';
import { decisionString } from './protocol.ts';
import type { SendInput } from './requests.ts';

// Push requests on a real SQLite store: one pending push per device, decisions applied once
// (also when two arrive together), approvals used once and only by their sign-in, waiters woken.

let store: Store;
let push: Push;
let device: PushDevice;
let key: CryptoKey;

const input: SendInput = {
  txId: 'tx-1',
  purpose: 'second-factor',
  app: 'Wiki',
  ip: '10.0.0.1',
  browser: 'Mozilla/5.0 (Windows NT 10.0) Firefox/140',
  userVerificationRequired: false,
  withCode: true,
};

async function signed(id: string, answer: 'approve' | 'deny' | 'fraud', code: string) {
  const signature = Buffer.from(
    await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      key,
      new TextEncoder().encode(decisionString(id, answer, code, false)),
    ),
  ).toString('base64url');
  return { answer, code, userVerified: false, signature };
}

before(async () => {
  store = await openSqliteStore({ file: path.join(scratchDir('latch-push-unit-'), 'store.sqlite') });
  const config = loadConfig({ env: { LATCH_DATA_DIR: scratchDir('latch-data-') } });
  const log = createLogger('silent');
  push = await createPush({
    config: { ...config.push, webPush: { ...config.push.webPush, enabled: false } },
    store,
    authLog: new AuthLog(store, log),
    log,
    trustLifetimeMs: 60_000,
    serverSecret: Buffer.alloc(32, 1),
  });
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  key = pair.privateKey;
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  ({ device } = await push.devices.register({
    userId: 'u1',
    username: 'alice',
    displayName: 'Alice',
    publicKey: { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! },
    name: 'phone',
    platform: 'cli',
  }));
});

after(async () => {
  await push.close();
  await store.close();
});

it('a new push cancels the pending one; the phone sees only the newest, summarised', async () => {
  const first = await push.requests.send(device, input);
  const second = await push.requests.send(device, input);
  assert.ok(first.ok && second.ok);
  assert.equal((await push.requests.get(first.request.id))?.state, 'cancelled');
  const pending = await push.requests.pendingFor(device.id);
  assert.equal(pending?.id, second.request.id);
  assert.equal(pending?.browser, 'Firefox on Windows');
  assert.equal(pending?.codeRequired, true);
  assert.ok(!('code' in pending!), 'the phone is not given the code');
});

it('two decisions at once: exactly one is applied', async () => {
  const sent = await push.requests.send(device, input);
  assert.ok(sent.ok);
  const body = await signed(sent.request.id, 'approve', sent.request.code);
  const results = await Promise.all([
    push.requests.decide(device, sent.request.id, body),
    push.requests.decide(device, sent.request.id, body),
  ]);
  assert.equal(results.filter((r) => r.ok).length, 1);
  assert.equal(results.find((r) => !r.ok && r.error.code === 'already_answered') !== undefined, true);
});

it('an approval is used once, and only by the sign-in that asked', async () => {
  const sent = await push.requests.send(device, input);
  assert.ok(sent.ok);
  assert.ok(
    (await push.requests.decide(device, sent.request.id, await signed(sent.request.id, 'approve', sent.request.code)))
      .ok,
  );
  assert.equal(await push.requests.consume(sent.request.id, 'tx-other'), undefined);
  assert.equal((await push.requests.consume(sent.request.id, 'tx-1'))?.id, sent.request.id);
  assert.equal(await push.requests.consume(sent.request.id, 'tx-1'), undefined);
});

it('a waiting browser is woken by the decision, not by its timeout', async () => {
  const sent = await push.requests.send(device, input);
  assert.ok(sent.ok);
  const started = Date.now();
  const waiting = push.requests.waitForDecision(sent.request.id, 20_000);
  setTimeout(
    () => void signed(sent.request.id, 'deny', '').then((body) => push.requests.decide(device, sent.request.id, body)),
    50,
  );
  const decided = await waiting;
  assert.equal(decided?.state, 'denied');
  assert.ok(Date.now() - started < 2000);
});

it('a decision signed over other values (another request, answer or code) is refused and changes nothing', async () => {
  const sent = await push.requests.send(device, input);
  assert.ok(sent.ok);
  const id = sent.request.id;
  const forDeny = await signed(id, 'deny', '');
  for (const body of [
    { ...forDeny, answer: 'approve' as const },
    { ...(await signed('x'.repeat(22), 'approve', sent.request.code)) },
    { ...(await signed(id, 'approve', '000')), code: sent.request.code },
  ]) {
    const result = await push.requests.decide(device, id, body);
    assert.ok(!result.ok && result.error.code === 'bad_signature');
  }
  assert.equal((await push.requests.get(id))?.state, 'pending');
});

it('request ids never start with "-", which the command-line authenticator would read as an option', () => {
  for (let i = 0; i < 5000; i++) assert.doesNotMatch(commandLineSafeId(), /^-/);
});

it('passwordless push asks for six digits whatever push.codeLength says; verified push keeps push.codeLength', async () => {
  assert.equal(push.config.codeLength, 3);
  const second = await push.requests.send(device, input);
  assert.ok(second.ok);
  assert.match(second.request.code, /^\d{3}$/);
  assert.equal((await push.requests.pendingFor(device.id))?.codeLength, 3);
  const passwordless = await push.requests.send(device, {
    ...input,
    purpose: 'passwordless',
    userVerificationRequired: true,
  });
  assert.ok(passwordless.ok);
  assert.match(passwordless.request.code, /^\d{6}$/, 'the code the browser shows has six digits');
  assert.equal((await push.requests.pendingFor(device.id))?.codeLength, 6, 'the phone is told to expect six');
});
