import { afterEach, beforeEach, it } from 'mocha';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  FlowWorld,
  alice,
  browser,
  contractor,
  type AppPolicyConfig,
  type PolicyConfig,
} from '../../test/support/flow-fixture.ts';
import { tempDir } from '../../test/support/temp.ts';
import { ConditionChecker } from './conditions.ts';
import { AnonymousNetworks, CountryLookup } from './locations.ts';
import { PolicyResolver } from './policy.ts';
import type { BrowserContext, StepOutcome, UserStep } from './step.ts';
import { explainSignIn } from './what-if.ts';

// Policy's layers and conditions through the sign-in engine: pilot groups of one application,
// networks, countries (the shipped database), anonymous networks (a list re-read when it changes),
// browsers, automatic push; every decision in the authentication log with the rule that made it.

let world: FlowWorld;
beforeEach(async () => (world = await FlowWorld.open()));
afterEach(() => world.close());

const NETWORKS = { office: ['192.0.2.0/24', '2001:db8:10::/48'], 'office-vpn': ['203.0.113.0/24'] };
const checker = (anonymous?: AnonymousNetworks) => new ConditionChecker(NETWORKS, new CountryLookup(), anonymous);
const from = (ip: string, userAgent = 'test'): BrowserContext => ({ ip, userAgent, deviceId: 'device-1' });
const CHROME = (v: number) =>
  `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`;
const IE = 'Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko';

function flowWith(policy: PolicyConfig, apps: AppPolicyConfig = {}, anonymous?: AnonymousNetworks) {
  return world.makeFlow(policy, apps, { deps: { conditions: checker(anonymous) } });
}
const layer = (rest: PolicyConfig['default']): PolicyConfig => ({
  default: { password: true, newUser: 'allow', ...rest },
  groups: [],
});
const conditionLog = async () =>
  (await world.authLog.query())
    .filter((e) => e.data.event === 'condition')
    .map((e) => `${e.data.reason} -> ${e.data.result}`);

it('pilot groups of one application apply after every other layer, and only there', () => {
  const policies = new PolicyResolver(
    { default: { passwordless: ['platform'] }, groups: [{ group: 'staff', secondFactors: ['passcode'] }] },
    { wiki: { passwordless: [], groups: [{ group: 'staff', passwordless: ['push'] }] } },
  );
  const wiki = policies.resolve('wiki', ['staff']);
  assert.deepEqual(wiki.passwordless, ['push']);
  assert.deepEqual(wiki.secondFactors, ['passcode']);
  assert.deepEqual(wiki.sources, ['default', 'application wiki', 'group staff', 'application wiki group staff']);
  assert.deepEqual(policies.resolve('wiki', ['other']).passwordless, []);
  assert.deepEqual(
    policies.resolve('mail', ['staff']).passwordless,
    ['platform'],
    'another application is not touched',
  );
});

it('networks: the office signs in with the password alone, elsewhere a second factor is required; the log names the rule', async () => {
  world.enrolled.add(`test-code:${alice.id}`);
  const flow = flowWith(
    layer({ networks: { rules: [{ network: 'office', action: 'allow-without-2fa' }], otherwise: 'require-2fa' } }),
  );
  const office = await world.passwordFrom(flow, 'wiki', from('192.0.2.44'));
  assert.ok(office.kind === 'finished' && office.tx.completed?.level === 'password');
  const officeV6 = await world.passwordFrom(flow, 'wiki', from('2001:db8:10::7'));
  assert.ok(officeV6.kind === 'finished' && officeV6.tx.completed, 'IPv6 ranges match too');
  const outside = await world.passwordFrom(flow, 'wiki', from('198.51.100.7'));
  assert.equal(outside.kind, 'moved', 'a second factor is asked for');
  assert.deepEqual(await conditionLog(), [
    'network (none of office): require-2fa -> require-2fa',
    'network office: allow-without-2fa -> allow-without-2fa',
    'network office: allow-without-2fa -> allow-without-2fa',
  ]);
});

it('networks: "deny from every other network" refuses with what to do; require-2fa also outranks a remembered browser and newUser allow', async () => {
  const denying = flowWith(
    layer({ networks: { rules: [{ network: 'office-vpn', action: 'allow' }], otherwise: 'deny' } }),
  );
  const refused = await world.passwordFrom(denying, 'wiki', from('198.51.100.7'));
  assert.ok(refused.kind === 'finished' && refused.tx.outcome?.kind === 'failed');
  assert.deepEqual(refused.tx.failureMessage, {
    message: "You can't sign in to Wiki from where you are connecting.",
    hint: "Connect from your organisation's network or VPN and try again, or contact your IT help desk.",
  });
  const [last] = await world.authLog.query({ limit: 1 });
  assert.equal(last!.data.reason, 'network (none of office-vpn): deny (default)');
  assert.ok((await world.passwordFrom(denying, 'wiki', from('203.0.113.9'))).kind === 'finished');

  // No factor at all: newUser allow would let the password through, but not from outside.
  const strict = flowWith(layer({ networks: { rules: [], otherwise: 'require-2fa' } }));
  const noFactor = await world.passwordFrom(strict, 'wiki', from('198.51.100.7'));
  assert.ok(noFactor.kind === 'finished' && noFactor.tx.outcome?.kind === 'failed');
  assert.match(
    noFactor.tx.failureMessage?.message ?? '',
    /^Wiki needs a second factor when you sign in from where you are now/,
  );

  // A remembered browser does not stand in for the second factor where 2FA is required.
  world.enrolled.add(`test-code:${alice.id}`);
  const remembering = flowWith(
    layer({
      rememberDevice: { enabled: true, lifetime: 86_400_000, scope: 'all' },
      networks: { rules: [{ network: 'office', action: 'allow' }], otherwise: 'require-2fa' },
    }),
  );
  assert.ok(
    (await world.signInWithCode(remembering, 'wiki', from('192.0.2.1'), { remember: 'yes' })).kind === 'finished',
  );
  assert.ok(
    (await world.passwordFrom(remembering, 'wiki', from('192.0.2.1'))).kind === 'finished',
    'remembered at the office',
  );
  assert.equal(
    (await world.passwordFrom(remembering, 'wiki', from('198.51.100.7'))).kind,
    'moved',
    'asked again from outside',
  );
});

it('countries: EU allowed, Russia denied, elsewhere 2FA, unknown locations their own action (the shipped database, offline)', async () => {
  world.enrolled.add(`test-code:${alice.id}`);
  const flow = flowWith(
    layer({
      countries: {
        rules: [
          { countries: ['RU'], action: 'deny' },
          { countries: ['EU'], action: 'allow-without-2fa' },
        ],
        otherwise: 'require-2fa',
        unknown: 'deny',
      },
    }),
  );
  const germany = await world.passwordFrom(flow, 'wiki', from('130.149.7.201'));
  assert.ok(germany.kind === 'finished' && germany.tx.completed?.level === 'password');
  const russia = await world.passwordFrom(flow, 'wiki', from('194.67.1.1'));
  assert.ok(russia.kind === 'finished' && russia.tx.outcome?.kind === 'failed');
  assert.equal(russia.tx.failureMessage?.message, "You can't sign in to Wiki from your location (RU).");
  assert.equal((await world.passwordFrom(flow, 'wiki', from('8.8.8.8'))).kind, 'moved', 'the US: a second factor');
  const nowhere = await world.passwordFrom(flow, 'wiki', from('10.1.2.3'));
  assert.ok(nowhere.kind === 'finished' && nowhere.tx.outcome?.kind === 'failed');
  assert.deepEqual(await conditionLog(), [
    'country unknown: deny -> deny',
    'country US (otherwise): require-2fa -> require-2fa',
    'country RU: deny -> deny',
    'country DE: allow-without-2fa -> allow-without-2fa',
  ]);
});

it("anonymous networks: the operator's list is acted on, and re-read when the file changes", async function () {
  this.timeout(20_000);
  const temp = tempDir();
  const file = path.join(temp.dir, 'anonymous.txt');
  writeFileSync(file, '# Tor exits\n198.51.100.0/24\n');
  const errors: string[] = [];
  const list = new AnonymousNetworks(file, { info: () => {}, error: (_f, message) => void errors.push(message) });
  try {
    const flow = flowWith(layer({ anonymousNetworks: 'deny' }), {}, list);
    const tor = await world.passwordFrom(flow, 'wiki', from('198.51.100.20'));
    assert.ok(tor.kind === 'finished' && tor.tx.outcome?.kind === 'failed');
    assert.equal(
      tor.tx.failureMessage?.message,
      "You can't sign in through an anonymising network (Tor, or a VPN service).",
    );
    assert.deepEqual(await conditionLog(), ['anonymous network 198.51.100.20: deny -> deny']);

    writeFileSync(file, '203.0.113.0/24\n');
    await waitFor(() => !list.has('198.51.100.20'));
    assert.ok((await world.passwordFrom(flow, 'wiki', from('198.51.100.20'))).kind === 'finished');
    assert.equal(list.has('203.0.113.9'), true);

    writeFileSync(file, 'not an address\n');
    await waitFor(() => errors.length > 0);
    assert.match(
      errors[0]!,
      /line 1: "not an address" is not an IPv4 or IPv6 address or CIDR range; keeping the 1 ranges read before$/,
    );
    assert.equal(list.has('203.0.113.9'), true, 'a broken file keeps the list it had');
  } finally {
    list.close();
    temp.cleanup();
  }
});

it('browsers: below the minimum or a blocked family is refused, naming the browser and what to do; "warn" lets it through with a notice', async () => {
  const rules = { minimum: { chrome: '131' }, block: ['ie' as const] };
  const flow = flowWith(layer({ browsers: rules }));
  const old = await world.passwordFrom(flow, 'wiki', from('192.0.2.1', CHROME(100)));
  assert.ok(old.kind === 'finished');
  assert.deepEqual(old.tx.failureMessage, {
    message: 'Chrome 100 on Windows 10 is too old to sign in to Wiki.',
    hint: 'Update Chrome to version 131 or later, or use an up-to-date Chrome, Edge, Firefox or Safari, then try again.',
  });
  const ie = await world.passwordFrom(flow, 'wiki', from('192.0.2.1', IE));
  assert.equal(
    ie.kind === 'finished' && ie.tx.failureMessage?.message,
    "Internet Explorer can't be used to sign in to Wiki.",
  );
  assert.ok((await world.passwordFrom(flow, 'wiki', from('192.0.2.1', CHROME(131)))).kind === 'finished');
  assert.deepEqual(await conditionLog(), [
    'browser Internet Explorer (blocked): deny -> deny',
    'browser Chrome 100.0.0.0 (minimum 131): deny -> deny',
  ]);

  const warning = flowWith(layer({ browsers: { ...rules, action: 'warn' } }));
  world.enrolled.add(`test-code:${alice.id}`);
  const warned = await world.passwordFrom(warning, 'wiki', from('192.0.2.1', CHROME(100)));
  assert.equal(
    warned.kind === 'moved' && warned.message,
    'Your browser, Chrome 100 on Windows 10, is out of date and may soon be refused: update Chrome to version 131 or later.',
  );
});

it("conditions follow the user's groups: a group may be stricter than everyone else", async () => {
  const flow = flowWith({
    default: { password: true, newUser: 'allow' },
    groups: [
      { group: 'contractors', networks: { rules: [{ network: 'office-vpn', action: 'allow' }], otherwise: 'deny' } },
    ],
  });
  assert.ok((await world.passwordFrom(flow, 'wiki', from('198.51.100.7'), alice.username)).kind === 'finished');
  const bob = await world.passwordFrom(flow, 'wiki', from('198.51.100.7'), contractor.username);
  assert.ok(bob.kind === 'finished' && bob.tx.outcome?.kind === 'failed');
  const [last] = await world.authLog.query({ limit: 1 });
  assert.equal(last!.data.reason, 'network (none of office-vpn): deny (default <- group contractors)');
});

it('a session made elsewhere does not carry the user past a condition that refuses where they are now', async () => {
  const flow = flowWith(layer({}), {
    finance: { countries: { rules: [{ countries: ['EU'], action: 'allow' }], otherwise: 'deny' } },
  });
  assert.equal(await flow.reusable('finance', alice, 'mfa', ['passcode'], from('130.149.7.201')), true);
  assert.equal(await flow.reusable('finance', alice, 'mfa', ['passcode'], from('194.67.1.1')), false);
});

it('automatic push: with autoPush the push goes out as soon as the password is accepted; "Other options" stay', async () => {
  const sent: Array<Record<string, string>> = [];
  const push: UserStep = {
    id: 'test-push',
    stage: 'second-factor',
    requiresUser: true,
    order: 5,
    label: 'Push',
    kind: 'push',
    autoStart: { push: 'send' },
    isAvailable: async () => true,
    view: async () => ({ template: 'test-push', model: {} }),
    handle: async (_ctx, form): Promise<StepOutcome> => {
      sent.push(form);
      return { kind: 'challenge', result: 'sent', stepData: { requestId: 'r-1' }, reason: 'push sent to phone' };
    },
  };
  world.enrolled.add(`test-code:${alice.id}`);
  const manual = world.makeFlow(layer({}), {}, { steps: [push] });
  await world.passwordFrom(manual, 'wiki', browser);
  assert.deepEqual(sent, [], 'without autoPush the user presses Send');

  const auto = world.makeFlow(layer({ autoPush: true }), {}, { steps: [push] });
  const moved = await world.passwordFrom(auto, 'wiki', browser);
  assert.ok(moved.kind === 'moved');
  assert.deepEqual(sent, [{ push: 'send' }]);
  const tx = await world.load(moved.tx);
  assert.deepEqual(tx.stepData, { requestId: 'r-1' });
  const current = (await auto.current(tx, browser))!;
  assert.equal(current.step.id, 'test-push');
  assert.deepEqual(
    current.alternatives.map((a) => a.id),
    ['test-code'],
  );
  assert.ok(
    (await world.authLog.query()).some((e) => e.data.event === 'test-push' && e.data.reason === 'push sent to phone'),
  );
});

it('the resolver answers "what would happen for alice at the VPN from 203.0.113.9"', () => {
  const policies = new PolicyResolver(layer({}), {
    vpn: { networks: { rules: [{ network: 'office-vpn', action: 'allow-without-2fa' }], otherwise: 'require-2fa' } },
  });
  const atVpn = explainSignIn(policies, checker(), {
    appId: 'vpn',
    user: { username: 'alice', groups: ['staff'] },
    ip: '203.0.113.9',
  });
  assert.equal(atVpn.outcome, 'password-only');
  assert.equal(
    atVpn.summary,
    'alice at vpn (from 203.0.113.9, country unknown): signs in with the password alone (network office-vpn: allow-without-2fa; policy default <- application vpn)',
  );
  const atHome = explainSignIn(policies, checker(), {
    appId: 'vpn',
    user: { username: 'alice', groups: ['staff'] },
    ip: '8.8.8.8',
  });
  assert.equal(atHome.outcome, 'second-factor-required');
  assert.deepEqual(
    atHome.decisions.map((d) => d.rule),
    ['network (none of office-vpn): require-2fa'],
  );
  assert.equal(atHome.signals.country, 'US');
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(check(), 'within 10 seconds');
}
