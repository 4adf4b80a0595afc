import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, before, beforeEach, it } from 'mocha';
import { tempDir } from '../../../test/support/temp.ts';
import type { BeforePasswordCheck, Directory, PasswordCheck } from '../../directory/contract.ts';
import { LocalFileDirectory, newUserId, writeUsersFile } from '../../directory/local-file.ts';
import { hashPassword } from '../../directory/password-hash.ts';
import type { Store } from '../../store/contract.ts';
import { openStore } from '../../store/index.ts';
import type { SignInRequest } from '../../authn/contract.ts';
import { KnownDevices } from '../../authn/known-device.ts';
import { PolicyResolver } from '../../authn/policy.ts';
import { PasswordThrottle } from '../../authn/throttle.ts';
import { TransactionStore } from '../../authn/transaction.ts';
import { PasswordStep } from './step.ts';
import type { BrowserContext, StepContext, StepOutcome } from '../../authn/step.ts';

// The password step against the local directory: every attempt is counted before its password is
// tried, one sign-in checks one password at a time, and an account is counted whatever spelling
// of its login is typed.

const PASSWORD = 'carols right password';
const THROTTLED = /^Too many failed attempts\. Wait \d+ minutes? and try again\.$/;

/** The local directory, watched: how many passwords it tried, and how many checks ran at once. */
class WatchedDirectory implements Directory {
  readonly kind = 'local';
  tried = 0;
  mostAtOnce = 0;
  private running = 0;
  /** down: answers 'directory-unavailable' after the lookup; skipHook: never calls beforeCheck. */
  mode: 'up' | 'down' | 'skipHook' = 'up';

  constructor(private readonly inner: LocalFileDirectory) {}

  findUser(login: string) {
    return this.inner.findUser(login);
  }
  findUserById(id: string) {
    return this.inner.findUserById(id);
  }
  async verifyPassword(login: string, password: string, beforeCheck?: BeforePasswordCheck): Promise<PasswordCheck> {
    this.running++;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    try {
      if (this.mode === 'skipHook') return await this.inner.verifyPassword(login, password);
      const asked: { answer: 'check' | 'stop' } = { answer: 'check' };
      const check = await this.inner.verifyPassword(login, password, async (user) => {
        asked.answer = beforeCheck ? await beforeCheck(user) : 'check';
        // Down: the server goes away between the search and the bind.
        return this.mode === 'down' ? 'stop' : asked.answer;
      });
      if (asked.answer === 'stop') return check;
      if (this.mode === 'down') return { ok: false, reason: 'directory-unavailable', detail: 'the test took it down' };
      this.tried++;
      return check;
    } finally {
      this.running--;
    }
  }
  async ping() {}
  async close() {}
}

let hash: string;
let store: Store;
let cleanup: () => void;
let directory: WatchedDirectory;
let transactions: TransactionStore;
let knownDevices: KnownDevices;
let carolId: string;

before(async () => {
  hash = await hashPassword(PASSWORD);
});

beforeEach(async () => {
  const temp = tempDir();
  cleanup = temp.cleanup;
  const sqlite = { file: path.join(temp.dir, 's.sqlite') };
  store = await openStore({ type: 'sqlite', sqlite, redis: { keyPrefix: 'x:' } });
  carolId = newUserId();
  const file = path.join(temp.dir, 'users.yaml');
  const carol = { id: carolId, email: 'carol@example.test', groups: [], password: hash, disabled: false };
  writeUsersFile(file, { carol });
  directory = new WatchedDirectory(new LocalFileDirectory(file));
  transactions = new TransactionStore(store, 60_000);
  knownDevices = new KnownDevices(store, Buffer.alloc(32, 7), 86_400_000);
});
afterEach(async () => {
  await store.close();
  cleanup();
});
function step(perAccount: number, perIp = 1000): PasswordStep {
  const limits = {
    perAccount: { maxFailures: perAccount, window: 60_000 },
    perIp: { maxFailures: perIp, window: 60_000 },
  };
  return new PasswordStep(directory, new PasswordThrottle(store, limits), knownDevices, 0);
}

const request: SignInRequest = {
  app: { id: 'wiki', name: 'Wiki', protocol: 'saml' },
  constraints: {},
  continuation: { returnPath: '/saml2/idp/continue', data: {} },
};
const policy = new PolicyResolver({ default: { password: true, newUser: 'allow' }, groups: [] }, {}).resolve('wiki');

/** A password posted on a new sign-in as `login`. */
async function post(step: PasswordStep, login: string, password: string, browser?: Partial<BrowserContext>) {
  return step.handle(await signIn(login, browser), { password });
}

/** A new sign-in at the password page for `login`. */
async function signIn(login: string, browser: Partial<BrowserContext> = {}): Promise<StepContext> {
  const tx = await transactions.create(request, { login, stage: 'primary' });
  return { tx, browser: { ip: '192.0.2.10', userAgent: 'test', ...browser }, policy, policyFor: () => policy };
}

const resultOf = (o: StepOutcome) => (o.kind === 'success' ? 'success' : 'result' in o ? o.result : o.kind);
const results = (outcomes: StepOutcome[]) => outcomes.map(resultOf);
const count = (outcomes: StepOutcome[], result: string) => results(outcomes).filter((r) => r === result).length;
const messageOf = (o: StepOutcome) => (o.kind === 'challenge' || o.kind === 'failed' ? o.message : undefined);

it('one sign-in posted 40 times at once: one check at a time, ten passwords tried, the rest throttled', async () => {
  const password = step(10);
  const ctx = await signIn('carol');
  const posts = Array.from({ length: 40 }, (_, i) => password.handle(ctx, { password: `wrong ${i}` }));
  const outcomes = await Promise.all(posts);
  assert.equal(directory.mostAtOnce, 1);
  assert.equal(directory.tried, 10);
  assert.deepEqual([count(outcomes, 'failure'), count(outcomes, 'throttled')], [10, 30]);
  assert.match(messageOf(await post(password, 'carol', PASSWORD)) ?? '', THROTTLED);
});

it('40 sign-ins posting at once: ten passwords tried, then even the right one is throttled', async () => {
  const password = step(10);
  const contexts = await Promise.all(Array.from({ length: 40 }, () => signIn('carol')));
  const outcomes = await Promise.all(contexts.map((ctx, i) => password.handle(ctx, { password: `wrong ${i}` })));
  assert.equal(directory.tried, 10);
  assert.deepEqual([count(outcomes, 'failure'), count(outcomes, 'throttled')], [10, 30]);
  const right = await post(password, 'carol', PASSWORD);
  assert.match(messageOf(right) ?? '', THROTTLED);
  assert.equal(right.kind === 'challenge' && right.reason, 'too many failed passwords for this account');
});

it('carol, CAROL@EXAMPLE.TEST and " Carol " are one account with one count', async () => {
  const password = step(3);
  for (const login of ['carol', 'CAROL@EXAMPLE.TEST', ' Carol ']) {
    assert.equal(messageOf(await post(password, login, 'wrong')), 'Incorrect username or password.', login);
  }
  assert.match(messageOf(await post(password, 'carol@example.test', PASSWORD)) ?? '', THROTTLED);
  assert.equal(directory.tried, 3);
});

it('the right password clears the account count; the address keeps its failures', async () => {
  const password = step(3, 5);
  for (let i = 0; i < 2; i++) await post(password, 'carol', 'wrong');
  assert.equal((await post(password, 'carol', PASSWORD)).kind, 'success');
  const next = [];
  for (let i = 0; i < 4; i++) next.push(await post(password, 'carol', 'wrong'));
  assert.deepEqual(results(next), ['failure', 'failure', 'failure', 'throttled']);
  assert.equal(next[3]!.kind === 'challenge' && next[3]!.reason, 'too many failed passwords for this client address');
});

it('a directory that does not answer counts against nobody', async () => {
  const password = step(1, 1);
  directory.mode = 'down';
  for (let i = 0; i < 3; i++) {
    const outcome = await post(password, 'carol', 'wrong');
    assert.equal(messageOf(outcome), "We can't check your password right now. Try again in a few minutes.");
  }
  directory.mode = 'up';
  assert.equal(messageOf(await post(password, 'carol', 'wrong')), 'Incorrect username or password.');
  assert.match(messageOf(await post(password, 'carol', PASSWORD)) ?? '', THROTTLED);
});

it('a directory that skips beforeCheck cannot sign anyone in: the attempt could not be counted', async () => {
  const password = step(10);
  directory.mode = 'skipHook';
  const outcome = await post(password, 'carol', PASSWORD);
  assert.equal(outcome.kind, 'challenge');
  assert.equal(messageOf(outcome), "We can't check your password right now. Try again in a few minutes.");
  assert.match(outcome.kind === 'challenge' ? outcome.reason : '', /did not call beforeCheck/);
});

it("carol's known browser is exempt from her count under any spelling; another browser is not", async () => {
  const password = step(2);
  for (let i = 0; i < 2; i++) await post(password, 'carol', 'wrong');
  const known = knownDevices.issue();
  await knownDevices.markVerified(known.deviceId, { id: carolId, username: 'carol' });
  const stranger = knownDevices.issue();
  await knownDevices.markVerified(stranger.deviceId, { id: 'someone-else', username: 'carol@example.test' });
  const fromStranger = await post(password, 'carol@example.test', PASSWORD, { deviceId: stranger.deviceId });
  assert.match(messageOf(fromStranger) ?? '', THROTTLED);
  const fromKnown = await post(password, 'Carol@Example.Test', PASSWORD, { deviceId: known.deviceId });
  assert.equal(fromKnown.kind, 'success');
});
