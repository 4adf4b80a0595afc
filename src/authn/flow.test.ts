import { afterEach, beforeEach, it } from 'mocha';
import assert from 'node:assert/strict';
import type { Store } from '../store/contract.ts';
import type { AuthLog } from './auth-log.ts';
import { SignInFlow } from './flow.ts';
import { KnownDevices } from './known-device.ts';
import { PolicyResolver } from './policy.ts';
import { RememberedDevices } from './remembered-device.ts';
import { IdentifyStep } from './identify.ts';
import { PasswordStep } from '../methods/password/step.ts';
import type { AnonymousStep, BrowserContext, Step } from './step.ts';
import { PasswordThrottle } from './throttle.ts';
import type { LoginTransaction, TransactionStore } from './transaction.ts';
import {
  CodeStep,
  FlowWorld,
  alice,
  browser,
  contractor,
  passkeyOf,
  request,
  type AppPolicyConfig,
  type PolicyConfig,
  type RecordingDirectory,
} from '../../test/support/flow-fixture.ts';

let world: FlowWorld;
let store: Store;
let directory: RecordingDirectory;
let transactions: TransactionStore;
let authLog: AuthLog;
let enrolled: Set<string>;

const makeFlow = (policy?: PolicyConfig, apps?: AppPolicyConfig) => world.makeFlow(policy, apps);
const act = (flow: SignInFlow, tx: LoginTransaction, action: Parameters<SignInFlow['submit']>[3]) =>
  world.act(flow, tx, action);
const passwordFrom = (flow: SignInFlow, appId: string, from: BrowserContext) => world.passwordFrom(flow, appId, from);
const signInWithCode = (flow: SignInFlow, appId: string, from: BrowserContext, form: Record<string, string> = {}) =>
  world.signInWithCode(flow, appId, from, form);

beforeEach(async () => {
  world = await FlowWorld.open();
  ({ store, directory, transactions, authLog, enrolled } = world);
});
afterEach(() => world.close());

it('identify then password completes with level password, amr pwd, and logs every decision', async () => {
  const flow = makeFlow();
  let tx = await flow.begin(request());
  assert.equal((await flow.current(tx, browser))?.step.id, 'identify');
  const moved = await act(flow, tx, { kind: 'submit', form: { username: 'alice' } });
  assert.equal(moved.kind, 'moved');
  tx = (await transactions.load(tx.id))!.tx;
  assert.equal((await flow.current(tx, browser))?.step.id, 'password');
  const done = await act(flow, tx, { kind: 'submit', form: { password: 'right' } });
  assert.equal(done.kind, 'finished');
  assert.ok(done.kind === 'finished' && done.tx.completed);
  assert.equal(done.tx.completed.level, 'password');
  assert.deepEqual(done.tx.amr, ['pwd']);
  const log = await authLog.query();
  assert.deepEqual(
    log.map((e) => `${e.data.event}:${e.data.result}`),
    ['sign-in:success', 'second-factor:skipped', 'password:success'],
  );
  assert.equal(log[0]!.data.ip, '192.0.2.10');
});

it('an empty password is refused before the directory is asked', async () => {
  const flow = makeFlow();
  const tx = await flow.begin(request(), { login: 'alice', stage: 'primary' });
  const result = await act(flow, tx, { kind: 'submit', form: { password: '' } });
  assert.equal(result.kind === 'moved' && result.message, 'Enter your password.');
  assert.deepEqual(directory.checks, []);
});

it('wrong password and unknown user read the same; the log tells them apart', async () => {
  const flow = makeFlow();
  const a = await flow.begin(request(), { login: 'alice', stage: 'primary' });
  const b = await flow.begin(request(), { login: 'nobody', stage: 'primary' });
  const wrong = await act(flow, a, { kind: 'submit', form: { password: 'nope' } });
  const unknown = await act(flow, b, { kind: 'submit', form: { password: 'nope' } });
  assert.equal(wrong.kind === 'moved' && wrong.message, 'Incorrect username or password.');
  assert.equal(unknown.kind === 'moved' && unknown.message, 'Incorrect username or password.');
  const reasons = (await authLog.query()).map((e) => e.data.reason);
  assert.ok(reasons.includes('invalid-credentials') && reasons.includes('user-not-found'));
});

it('a disabled account ends the sign-in with what to do', async () => {
  const flow = makeFlow();
  const tx = await flow.begin(request(), { login: 'alice', stage: 'primary' });
  const result = await act(flow, tx, { kind: 'submit', form: { password: 'disabled!' } });
  assert.equal(result.kind, 'finished');
  assert.ok(result.kind === 'finished');
  assert.deepEqual(result.tx.failureMessage, {
    message: 'Your account is disabled.',
    hint: 'Contact your IT help desk to have it enabled.',
  });
  assert.equal(result.tx.outcome?.kind === 'failed' && result.tx.outcome.failure, 'access-denied');
});

it('a registered second factor is asked for, and completing it gives level mfa', async () => {
  enrolled.add(`test-code:${alice.id}`);
  const flow = makeFlow();
  const tx = await flow.begin(request(), { login: 'alice', stage: 'primary' });
  await act(flow, tx, { kind: 'submit', form: { password: 'right' } });
  const mid = (await transactions.load(tx.id))!.tx;
  assert.equal((await flow.current(mid, browser))?.step.id, 'test-code');
  const wrong = await act(flow, mid, { kind: 'submit', form: { code: '000000' } });
  assert.equal(wrong.kind === 'moved' && wrong.message, 'That code is not right.');
  const done = await act(flow, mid, { kind: 'submit', form: { code: '123456' } });
  assert.ok(done.kind === 'finished' && done.tx.completed);
  assert.equal(done.tx.completed.level, 'mfa');
  assert.deepEqual(done.tx.amr, ['pwd', 'otp', 'mfa']);
  assert.deepEqual(done.tx.methods, ['password', 'test-code']);
});

it('an application that demands MFA refuses a user without a second factor (level-unavailable)', async () => {
  const flow = makeFlow();
  const tx = await flow.begin(request({ acceptableLevels: ['mfa'] }), { login: 'alice', stage: 'primary' });
  const result = await act(flow, tx, { kind: 'submit', form: { password: 'right' } });
  assert.ok(result.kind === 'finished');
  assert.equal(result.tx.outcome?.kind === 'failed' && result.tx.outcome.failure, 'level-unavailable');
  assert.equal(result.tx.completed, undefined);
});

it('group policy: a denied group cannot sign in, and the log names the layer', async () => {
  const flow = makeFlow({
    default: { password: true, newUser: 'allow' },
    groups: [{ group: 'contractors', deny: true }],
  });
  const tx = await flow.begin(request(), { login: 'bob', stage: 'primary' });
  const result = await act(flow, tx, { kind: 'submit', form: { password: 'right' } });
  assert.ok(result.kind === 'finished');
  assert.equal(result.tx.outcome?.kind === 'failed' && result.tx.outcome.failure, 'access-denied');
  const [last] = await authLog.query({ limit: 1 });
  assert.equal(last!.data.result, 'denied');
  assert.match(last!.data.reason, /group contractors/);
});

it('new-user policy deny refuses a user with no second factor', async () => {
  const flow = makeFlow({ default: { password: true, newUser: 'deny' }, groups: [] });
  const tx = await flow.begin(request(), { login: 'alice', stage: 'primary' });
  const result = await act(flow, tx, { kind: 'submit', form: { password: 'right' } });
  assert.ok(result.kind === 'finished' && result.tx.outcome?.kind === 'failed');
});

it('a stale version cannot move the transaction (double submit)', async () => {
  const flow = makeFlow();
  const tx = await flow.begin(request());
  const loaded = (await transactions.load(tx.id))!;
  const first = await flow.submit(loaded.tx, loaded.version, browser, { kind: 'submit', form: { username: 'alice' } });
  const second = await flow.submit(loaded.tx, loaded.version, browser, {
    kind: 'submit',
    form: { username: 'mallory' },
  });
  assert.equal(first.kind, 'moved');
  assert.equal(second.kind, 'conflict');
  assert.equal((await transactions.load(tx.id))!.tx.login, 'alice');
});

it('"Not you?" goes back to the username page and forgets the user', async () => {
  const flow = makeFlow();
  const tx = await flow.begin(request(), { login: 'alice', stage: 'primary' });
  await act(flow, tx, { kind: 'restart' });
  const after = (await transactions.load(tx.id))!.tx;
  assert.equal(after.stage, 'identify');
  assert.equal((await flow.current(after, browser))?.step.id, 'identify');
});

it('account throttling: after the limit even the right password waits', async () => {
  const flow = makeFlow();
  for (let i = 0; i < 3; i++) {
    const tx = await flow.begin(request(), { login: 'alice', stage: 'primary' });
    await act(flow, tx, { kind: 'submit', form: { password: 'bad' } });
  }
  const tx = await flow.begin(request(), { login: 'alice', stage: 'primary' });
  const result = await act(flow, tx, { kind: 'submit', form: { password: 'right' } });
  assert.ok(result.kind === 'moved');
  assert.match(result.message ?? '', /^Too many failed attempts\. Wait 1 minute and try again\.$/);
  assert.equal(directory.checks.length, 3, 'the throttled attempt never reached the directory');
});

const remembering = (scope: 'application' | 'all'): PolicyConfig => ({
  default: { password: true, newUser: 'allow', rememberDevice: { enabled: true, lifetime: 7 * 86_400_000, scope } },
  groups: [],
});

it('remembered device, one application: "this is my device" skips the second factor there only', async () => {
  enrolled.add(`test-code:${alice.id}`);
  const flow = makeFlow(remembering('application'));
  const mine = { ...browser, deviceId: 'device-1' };
  const mid = await flow.begin(request(), { login: 'alice', stage: 'primary' });
  await act(flow, mid, { kind: 'submit', form: { password: 'right' } });
  const atCode = (await transactions.load(mid.id))!.tx;
  assert.deepEqual((await flow.current(atCode, mine))?.remember, { lifetime: '7 days', scope: 'application' });

  const first = await signInWithCode(flow, 'wiki', mine, { remember: 'yes' });
  assert.ok(first.kind === 'finished' && first.tx.completed?.level === 'mfa');

  const skipped = await passwordFrom(flow, 'wiki', mine);
  assert.ok(skipped.kind === 'finished', 'no second factor asked on the remembered app');
  assert.equal(skipped.tx.completed?.level, 'mfa');
  assert.deepEqual(skipped.tx.methods, ['password', 'remembered-device']);
  assert.deepEqual(skipped.tx.amr, ['pwd', 'mfa']);

  assert.equal(
    (await passwordFrom(flow, 'mail', mine)).kind,
    'moved',
    'another application still asks for the second factor',
  );
  assert.equal(
    (await passwordFrom(flow, 'wiki', { ...browser, deviceId: 'device-2' })).kind,
    'moved',
    'another browser still asks',
  );
});

it('remembered device, all applications: one confirmation covers every app whose policy allows the method', async () => {
  enrolled.add(`test-code:${alice.id}`).add(`test-key:${alice.id}`);
  const flow = makeFlow(remembering('all'), { vpn: { secondFactors: ['webauthn'] } });
  const mine = { ...browser, deviceId: 'device-1' };
  const first = await signInWithCode(flow, 'wiki', mine, { remember: 'yes' });
  assert.ok(first.kind === 'finished' && first.tx.completed);

  const covered = await passwordFrom(flow, 'mail', mine);
  assert.ok(covered.kind === 'finished' && covered.tx.completed?.level === 'mfa');

  // The VPN accepts only WebAuthn; a browser remembered after a passcode does not cover it.
  const vpn = await flow.begin(request({}, 'vpn'), { login: 'alice', stage: 'primary' });
  const loadedVpn = (await transactions.load(vpn.id))!;
  const asked = await flow.submit(loadedVpn.tx, loadedVpn.version, mine, {
    kind: 'submit',
    form: { password: 'right' },
  });
  assert.equal(asked.kind, 'moved');
  const atVpn = (await transactions.load(vpn.id))!.tx;
  const current = await flow.current(atVpn, mine);
  assert.equal(current?.step.id, 'test-key', 'only the second factor the VPN allows is offered');
  assert.deepEqual(current?.alternatives, []);
});

it('without "this is my device" ticked, nothing is remembered', async () => {
  enrolled.add(`test-code:${alice.id}`);
  const flow = makeFlow(remembering('all'));
  const mine = { ...browser, deviceId: 'device-1' };
  await signInWithCode(flow, 'wiki', mine);
  assert.equal((await passwordFrom(flow, 'wiki', mine)).kind, 'moved');
});

it('new-user policy require-enrollment: a user with no second factor enrolls one inline, then has level mfa', async () => {
  const flow = makeFlow({ default: { password: true, newUser: 'require-enrollment' }, groups: [] });
  const tx = await flow.begin(request(), { login: 'alice', stage: 'primary' });
  await act(flow, tx, { kind: 'submit', form: { password: 'right' } });
  let at = (await transactions.load(tx.id))!.tx;
  assert.equal((await flow.current(at, browser))?.step.id, 'test-enroll');
  await act(flow, at, { kind: 'submit', form: {} });
  at = (await transactions.load(tx.id))!.tx;
  assert.deepEqual(at.stepData, { secret: 'S' }, 'the step keeps what its second page needs');
  const done = await act(flow, at, { kind: 'submit', form: { code: '654321' } });
  assert.ok(done.kind === 'finished' && done.tx.completed);
  assert.equal(done.tx.completed.level, 'mfa');

  // Next time the enrolled factor is asked for, not enrollment.
  const next = await flow.begin(request(), { login: 'alice', stage: 'primary' });
  await act(flow, next, { kind: 'submit', form: { password: 'right' } });
  assert.equal((await flow.current((await transactions.load(next.id))!.tx, browser))?.step.id, 'test-code');
});

it('a second factor that policy does not allow is not offered', async () => {
  enrolled.add(`test-code:${alice.id}`);
  const flow = makeFlow({ default: { password: true, newUser: 'deny', secondFactors: ['webauthn'] }, groups: [] });
  const tx = await flow.begin(request(), { login: 'alice', stage: 'primary' });
  const result = await act(flow, tx, { kind: 'submit', form: { password: 'right' } });
  assert.ok(result.kind === 'finished' && result.tx.outcome?.kind === 'failed');
  assert.equal(
    result.tx.failureMessage?.message,
    'Wiki accepts only a security key or this device as a second factor, and you have none set up.',
  );
  const events = (await authLog.query()).map((e) => `${e.data.event}:${e.data.result}`);
  assert.ok(!events.includes('sign-in:success'), 'a refused sign-in is never logged as a success');
});

it('a sign-in is reused only by applications whose policy allows the factors it used', async () => {
  enrolled.add(`test-code:${alice.id}`);
  const flow = makeFlow(undefined, { vpn: { secondFactors: ['webauthn'] }, kiosk: { passwordless: [] } });
  const done = await signInWithCode(flow, 'wiki', browser);
  assert.ok(done.kind === 'finished');
  assert.deepEqual(done.tx.factors, ['passcode']);
  assert.equal(await flow.reusable('mail', alice, 'mfa', done.tx.factors), true);
  assert.equal(
    await flow.reusable('vpn', alice, 'mfa', done.tx.factors),
    false,
    'the VPN wants WebAuthn, the session had a passcode',
  );
  assert.equal(
    await flow.reusable('kiosk', alice, 'passwordless', ['passwordless:platform']),
    false,
    'passwordless is off for the kiosk',
  );
  assert.equal(await flow.reusable('wiki', alice, 'passwordless', ['passwordless:platform']), true);
});

it('a password-only session is reused only for a user without any factor, by applications that ask for none', async () => {
  const flow = makeFlow();
  assert.equal(
    await flow.reusable('wiki', contractor, 'password', []),
    true,
    'no factor, new-user policy allow: the password will do',
  );
  enrolled.add(`test-code:${contractor.id}`);
  assert.equal(
    await flow.reusable('wiki', contractor, 'password', []),
    false,
    'the user has a factor: the wiki would ask for it',
  );
  const strict = makeFlow({ default: { password: true, newUser: 'deny' }, groups: [] });
  assert.equal(
    await strict.reusable('wiki', alice, 'password', []),
    false,
    'an app that needs a second factor is not covered by a password session',
  );
});

it('checking and handling a posted form builds no page: only the page shown calls view()', async () => {
  enrolled.add(`test-code:${alice.id}`);
  const code = new CodeStep(enrolled);
  const throttle = new PasswordThrottle(store, {
    perAccount: { maxFailures: 3, window: 60_000 },
    perIp: { maxFailures: 100, window: 60_000 },
  });
  const flow = new SignInFlow({
    transactions,
    steps: [
      new IdentifyStep(),
      new PasswordStep(directory, throttle, new KnownDevices(store, Buffer.alloc(32, 7), 86_400_000), 0),
      code,
    ],
    policies: new PolicyResolver({ default: { password: true, newUser: 'allow' }, groups: [] }, {}),
    authLog,
    remembered: new RememberedDevices(store),
    hasAnyFactor: async () => true,
  });
  const tx = await flow.begin(request(), { login: 'alice', stage: 'primary' });
  await act(flow, tx, { kind: 'submit', form: { password: 'right' } });
  const at = (await transactions.load(tx.id))!.tx;
  assert.equal((await flow.position(at, browser))?.current.step.id, 'test-code');
  const wrong = await act(flow, at, { kind: 'submit', form: { code: '000000' } });
  assert.equal(wrong.kind, 'moved');
  assert.equal(code.views, 0, 'neither the step check nor the handling built the page');
});

it('a passwordless step makes the sign-in multi-factor: no second factor follows, level passwordless', async () => {
  enrolled.add(`test-code:${alice.id}`);
  const passkey = passkeyOf(alice);
  const code = new CodeStep(enrolled);
  const flow = new SignInFlow({
    transactions,
    steps: [new IdentifyStep(), passkey, code],
    policies: new PolicyResolver({ default: { password: true, newUser: 'allow' }, groups: [] }, {}),
    authLog,
    remembered: new RememberedDevices(store),
    hasAnyFactor: async () => true,
  });
  const tx = await flow.begin(request(), { login: 'alice', stage: 'primary' });
  const done = await act(flow, tx, { kind: 'submit', form: {} });
  assert.ok(done.kind === 'finished' && done.tx.completed, 'finished without the passcode step');
  assert.equal(done.tx.completed.level, 'passwordless');
  assert.deepEqual(done.tx.amr, ['hwk', 'user', 'mfa']);
  assert.deepEqual(done.tx.factors, ['passwordless:roaming']);
});

it('require-enrollment never enrolls a user who has a factor this application does not accept: refused, with the policy named', async () => {
  enrolled.add(`test-code:${alice.id}`);
  const flow = makeFlow(
    { default: { password: true, newUser: 'require-enrollment' }, groups: [] },
    { vpn: { secondFactors: ['webauthn'] } },
  );
  const tx = await flow.begin(request({}, 'vpn'), { login: 'alice', stage: 'primary' });
  const result = await act(flow, tx, { kind: 'submit', form: { password: 'right' } });
  assert.ok(result.kind === 'finished' && result.tx.outcome?.kind === 'failed', 'no enrollment step is offered');
  assert.equal(
    result.tx.failureMessage?.message,
    'vpn accepts only a security key or this device as a second factor, and you have none set up.',
  );
  const [last] = await authLog.query();
  assert.equal(last?.data.result, 'denied');
  assert.match(
    String(last?.data.reason),
    /none of which policy allows here \(secondFactors: webauthn; default <- application vpn\)/,
  );
  assert.ok(
    ![...enrolled].some((e) => e.startsWith('test-code:') && e !== `test-code:${alice.id}`),
    'nothing was enrolled',
  );
});

it('a passwordless success for a user whose group policy forbids it is not accepted, whatever the step checked', async () => {
  const passkey = passkeyOf(contractor);
  const flow = new SignInFlow({
    transactions,
    steps: [new IdentifyStep(), passkey],
    policies: new PolicyResolver(
      { default: { password: true, newUser: 'allow' }, groups: [{ group: 'contractors', passwordless: [] }] },
      {},
    ),
    authLog,
    remembered: new RememberedDevices(store),
    hasAnyFactor: async () => false,
  });
  const tx = await flow.begin(request(), { login: 'bob', stage: 'primary' });
  const result = await act(flow, tx, { kind: 'submit', form: {} });
  assert.equal(result.kind, 'moved');
  assert.equal(result.kind === 'moved' && result.tx.user, undefined, 'nobody is signed in');
  const [last] = await authLog.query();
  assert.match(
    String(last?.data.reason),
    /policy for bob does not allow roaming passwordless sign-in \(default <- group contractors\)/,
  );
});

it('the first page takes the password too when nothing else can follow the username: one post signs in', async () => {
  const flow = makeFlow();
  const first = await flow.begin(request());
  assert.equal((await flow.current(first, browser))?.view.model.alsoAsk, 'password', 'the password on the first page');
  const done = await act(flow, first, { kind: 'submit', form: { username: 'alice', password: 'right' } });
  assert.ok(done.kind === 'finished' && done.tx.completed, 'signed in by one post');
  assert.deepEqual(done.tx.methods, ['password']);
  assert.deepEqual(directory.checks, ['alice']);

  // A wrong password leads to the password page with the same message as on it; an empty one, to it alone.
  const wrong = await act(flow, await flow.begin(request()), {
    kind: 'submit',
    form: { username: 'alice', password: 'nope' },
  });
  assert.ok(wrong.kind === 'moved');
  assert.equal(wrong.message, 'Incorrect username or password.');
  assert.equal((await flow.current(wrong.tx, browser))?.step.id, 'password');
  const empty = await act(flow, await flow.begin(request()), {
    kind: 'submit',
    form: { username: 'bob', password: '' },
  });
  assert.ok(empty.kind === 'moved');
  assert.equal(empty.message, undefined);
  assert.equal((await flow.current(empty.tx, browser))?.step.id, 'password');
  assert.deepEqual(directory.checks, ['alice', 'alice'], 'no password tried for the empty one');
});

it('where a passkey or a known browser may lead elsewhere after the username, the first page asks for it alone', async () => {
  const pushFromKnownBrowser: AnonymousStep = {
    id: 'test-push',
    stage: 'primary',
    label: 'Push',
    requiresUser: false,
    order: 10,
    isAvailable: async () => false,
    mayApplyBeforeUsername: async (ctx) => ctx.browser.deviceId !== undefined,
    view: async () => ({ template: 'test-push', model: {} }),
    handle: async () => ({ kind: 'attempted', reason: 'test' }),
  };
  const withPush = world.makeFlow(undefined, undefined, { steps: [pushFromKnownBrowser] });
  const tx = await withPush.begin(request());
  assert.equal((await withPush.current(tx, browser))?.view.model.alsoAsk, 'password', 'a new browser: one page');
  const known = { ...browser, deviceId: 'device-1' };
  assert.equal((await withPush.current(tx, known))?.view.model.alsoAsk, undefined, 'a known browser: username first');
  const posted = await world.act(
    withPush,
    tx,
    { kind: 'submit', form: { username: 'alice', password: 'right' } },
    known,
  );
  assert.ok(posted.kind === 'moved', 'the password was not taken from a page that did not ask for it');
  assert.deepEqual(directory.checks, []);

  const withPasskeys = world.makeFlow(undefined, undefined, { steps: [passkeyOf(alice)] });
  const other = await withPasskeys.begin(request());
  assert.equal((await withPasskeys.current(other, browser))?.view.model.alsoAsk, undefined);
});

it("second-factor steps of methods the user's factor summary does not name are not asked", async () => {
  const asked: string[] = [];
  const step = (id: string, method: string): Step =>
    Object.assign(new CodeStep(enrolled, id), {
      enrolledIn: [method],
      isAvailable: async () => (asked.push(id), true),
    });
  const flow = world.makeFlow(undefined, undefined, {
    steps: [step('test-a', 'a'), step('test-b', 'b')],
    deps: { enrolled: async () => new Set(['b']) },
  });
  const moved = await world.passwordFrom(flow, 'wiki', browser);
  assert.ok(moved.kind === 'moved');
  assert.equal((await flow.current(moved.tx, browser))?.step.id, 'test-b');
  assert.ok(!asked.includes('test-a'), `asked: ${asked.join(', ')}`);
});
