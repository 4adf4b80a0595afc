import { afterEach, beforeEach, it } from 'mocha';
import assert from 'node:assert/strict';
import { FlowWorld, alice, browser, passkeyOf, request, type PolicyConfig } from '../../test/support/flow-fixture.ts';
import { promptPage } from '../ui/prompt.ts';
import { visibleText } from '../../test/support/http-client.ts';
import { html } from '../util/html.ts';

// "Yes, this is my device" after every kind of sign-in: after a second factor as before, and after
// a passwordless gesture (asked on a page of its own), with durations under a day in hours.

let world: FlowWorld;
beforeEach(async () => (world = await FlowWorld.open()));
afterEach(() => world.close());

const mine = { ...browser, deviceId: 'device-1' };

const remembering = (lifetime: number, scope: 'application' | 'all' = 'all'): PolicyConfig => ({
  default: { password: true, newUser: 'allow', rememberDevice: { enabled: true, lifetime, scope } },
  groups: [],
});

it('durations under a day are shown and logged in hours, not "1 day" or "0 days"', async () => {
  world.enrolled.add(`test-code:${alice.id}`);
  const flow = world.makeFlow(remembering(8 * 3_600_000, 'application'));
  const atCode = await world.passwordFrom(flow, 'wiki', mine);
  assert.equal(atCode.kind, 'moved');
  const current = (await flow.current(await world.load(atCode.tx), mine))!;
  assert.deepEqual(current.remember, { lifetime: '8 hours', scope: 'application' });
  const page = promptPage(
    { appName: 'Wiki', action: '/login', csrf: 'c', current },
    { 'test-code': () => ({ title: 'Code', body: html`` }) },
  );
  assert.match(visibleText(page.text), /don't ask for a second factor in this browser for Wiki for 8 hours/);

  const done = await world.signInWithCode(flow, 'wiki', mine, { remember: 'yes' });
  assert.ok(done.kind === 'finished' && done.tx.completed);
  const reasons = (await world.authLog.query()).map((e) => String(e.data.reason));
  assert.ok(reasons.includes('the user trusted this browser for wiki for 8 hours'), reasons.join('\n'));
});

it('after a passwordless sign-in the user is asked to remember the browser; later password sign-ins skip the second factor', async () => {
  world.enrolled.add(`test-code:${alice.id}`);
  const flow = world.makeFlow(
    remembering(30 * 86_400_000),
    { mail: { passwordless: [] } },
    { steps: [passkeyOf(alice, 'platform')] },
  );
  const tx = await flow.begin(request(), { login: 'alice', stage: 'primary' });
  const afterGesture = await world.act(flow, tx, { kind: 'submit', form: {} }, mine);
  assert.equal(afterGesture.kind, 'moved', 'the sign-in does not end before the question');
  const offer = (await flow.current(await world.load(tx), mine))!;
  assert.equal(offer.step.id, 'remember-browser');
  assert.deepEqual(offer.view.model, { username: 'alice', lifetime: '30 days', covers: 'all' });

  const done = await world.act(flow, tx, { kind: 'submit', form: { remember: 'yes' } }, mine);
  assert.ok(done.kind === 'finished' && done.tx.completed?.level === 'passwordless');

  // An application whose policy does not take the passkey: password, and the remembered browser.
  const mail = await world.passwordFrom(flow, 'mail', mine);
  assert.ok(mail.kind === 'finished' && mail.tx.completed?.level === 'mfa', 'no second factor asked');
  assert.deepEqual(mail.tx.methods, ['password', 'remembered-device']);
  assert.equal(
    (await world.passwordFrom(flow, 'mail', { ...browser, deviceId: 'device-2' })).kind,
    'moved',
    'another browser is asked',
  );
});

it('"No" remembers nothing, and a browser already remembered is not asked again', async () => {
  world.enrolled.add(`test-code:${alice.id}`);
  const flow = world.makeFlow(
    remembering(30 * 86_400_000),
    { mail: { passwordless: [] } },
    { steps: [passkeyOf(alice, 'platform')] },
  );
  const first = await flow.begin(request(), { login: 'alice', stage: 'primary' });
  await world.act(flow, first, { kind: 'submit', form: {} }, mine);
  const declined = await world.act(flow, first, { kind: 'submit', form: { remember: 'no' } }, mine);
  assert.ok(declined.kind === 'finished' && declined.tx.completed);
  assert.equal((await world.passwordFrom(flow, 'mail', mine)).kind, 'moved', 'still asks for the second factor');

  const second = await flow.begin(request(), { login: 'alice', stage: 'primary' });
  await world.act(flow, second, { kind: 'submit', form: {} }, mine);
  await world.act(flow, second, { kind: 'submit', form: { remember: 'yes' } }, mine);
  const third = await flow.begin(request(), { login: 'alice', stage: 'primary' });
  const signedIn = await world.act(flow, third, { kind: 'submit', form: {} }, mine);
  assert.ok(signedIn.kind === 'finished' && signedIn.tx.completed, 'not asked again once remembered');
});

it('policy without rememberDevice never asks after a passwordless sign-in', async () => {
  const flow = world.makeFlow(undefined, {}, { steps: [passkeyOf(alice, 'platform')] });
  const tx = await flow.begin(request(), { login: 'alice', stage: 'primary' });
  const done = await world.act(flow, tx, { kind: 'submit', form: {} }, mine);
  assert.ok(done.kind === 'finished' && done.tx.completed);
});
