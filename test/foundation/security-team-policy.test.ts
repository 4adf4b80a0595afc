import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'mocha';
import { loadConfig } from '../../src/config/load.ts';
import { openConditions, checkNetworkNames, type Conditions } from '../../src/authn/condition-setup.ts';
import { policiesFromConfig } from '../../src/authn/policy-config.ts';
import type { PolicyResolver } from '../../src/authn/policy.ts';
import { explainSignIn } from '../../src/authn/what-if.ts';
import { scratchDir } from '../support/temp.ts';

// The security team's example in docs/sign-in-policy.md, loaded exactly as written there, and each
// of its rules checked: contractors get security keys only and no passwordless sign-in; Finance
// takes the password alone at the office, asks for a second factor elsewhere in the EU and refuses
// outside it; browsers older than two years are refused, everywhere.

const DOC = path.join(import.meta.dirname, '../../docs/sign-in-policy.md');
const CHROME = (v: number) =>
  `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`;
const IE = 'Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko';

/** The YAML block right after the <!-- security-team-example --> marker. */
function exampleYaml(): string {
  const text = readFileSync(DOC, 'utf8');
  const match = /<!-- security-team-example -->\n```yaml\n([\s\S]*?)```/.exec(text);
  assert.ok(match, 'the example is in docs/sign-in-policy.md');
  return match[1]!;
}

describe("the security team's policy from docs/sign-in-policy.md", () => {
  let policies: PolicyResolver;
  let conditions: Conditions;
  const alice = { username: 'alice', groups: ['staff'] };
  const carl = { username: 'carl', groups: ['contractors'] };
  const at = (ip: string, userAgent = CHROME(140), user = alice) =>
    explainSignIn(policies, conditions.checker, { appId: 'finance', user, ip, userAgent });

  before(() => {
    const dir = scratchDir('latch-doc-example-');
    const file = path.join(dir, 'latch.yaml');
    writeFileSync(file, exampleYaml());
    const config = loadConfig({ file, env: { LATCH_DATA_DIR: path.join(dir, 'data') }, cwd: dir });
    policies = policiesFromConfig(config);
    conditions = openConditions(config, { info: () => {}, error: () => {} });
    checkNetworkNames(conditions.checker, policies);
  });
  after(() => conditions?.close());

  it('contractors: security keys only, never passwordless', () => {
    for (const app of ['finance', 'wiki']) {
      const policy = policies.resolve(app, carl.groups);
      assert.deepEqual(policy.secondFactors, ['webauthn']);
      assert.deepEqual(policy.passwordless, []);
    }
    assert.deepEqual(
      policies.resolve('wiki', alice.groups).passwordless,
      ['platform', 'roaming', 'push'],
      'everyone else keeps passwordless',
    );
  });

  it('finance: the password alone at the office, a second factor elsewhere in the EU', () => {
    const office = at('192.0.2.40');
    assert.equal(office.outcome, 'password-only');
    assert.deepEqual(
      office.decisions.map((d) => d.rule),
      ['network office: allow-without-2fa', 'country unknown: allow'],
    );
    assert.equal(at('2001:db8:10::5').outcome, 'password-only', "the office's IPv6 range too");
    const berlin = at('130.149.7.201');
    assert.equal(berlin.outcome, 'second-factor-required');
    assert.equal(berlin.decisions[0]!.rule, 'network (none of office): require-2fa');
    assert.match(
      berlin.summary,
      /^alice at finance \(from 130\.149\.7\.201, country DE\): signs in with .* and a second factor, even in a remembered browser \(network \(none of office\): require-2fa; policy default <- application finance\)$/,
    );
  });

  it('finance: never from outside the EU', () => {
    const newYork = at('8.8.8.8');
    assert.equal(newYork.outcome, 'denied');
    assert.ok(newYork.decisions.some((d) => d.rule === 'country US (otherwise): deny'));
    assert.equal(at('194.67.1.1').outcome, 'denied');
  });

  it('browsers older than two years, and Internet Explorer, are refused everywhere', () => {
    const old = at('192.0.2.40', CHROME(120));
    assert.equal(old.outcome, 'denied');
    assert.ok(old.decisions.some((d) => d.rule === 'browser Chrome 120.0.0.0 (minimum 131): deny'));
    assert.equal(at('192.0.2.40', IE).outcome, 'denied');
    assert.equal(at('192.0.2.40', CHROME(131)).outcome, 'password-only');
    const wiki = explainSignIn(policies, conditions.checker, {
      appId: 'wiki',
      user: alice,
      ip: '8.8.8.8',
      userAgent: CHROME(120),
    });
    assert.equal(wiki.outcome, 'denied', 'not only for finance');
  });
});
