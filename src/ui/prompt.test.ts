import { afterEach, beforeEach, it } from 'mocha';
import assert from 'node:assert/strict';
import { FlowWorld, alice, browser, type PolicyConfig } from '../../test/support/flow-fixture.ts';
import { visibleText } from '../../test/support/http-client.ts';
import { html } from '../util/html.ts';
import { promptPage } from './prompt.ts';

// The prompt as the user reads it, for what the frame adds around a step's own page.

let world: FlowWorld;
beforeEach(async () => (world = await FlowWorld.open()));
afterEach(() => world.close());

/** The text of the page after alice's password, where her only factor is the test code step. */
async function secondFactorPage(policy?: PolicyConfig): Promise<string> {
  world.enrolled.add(`test-code:${alice.id}`);
  const flow = world.makeFlow(policy);
  const moved = await world.passwordFrom(flow, 'wiki', browser);
  assert.equal(moved.kind, 'moved');
  const current = (await flow.current(await world.load(moved.tx), browser))!;
  assert.deepEqual(current.alternatives, [], 'one factor, nothing else to choose');
  const page = promptPage(
    { appName: 'Wiki', action: '/login', csrf: 'c', current },
    { 'test-code': () => ({ title: 'Use your security key', body: html`` }) },
  );
  return visibleText(page.text).replace(/\s+([,.:])/g, '$1');
}

it('a second factor with nothing else to choose still has "Other options", saying to ask the help desk for a bypass code', async () => {
  const text = await secondFactorPage();
  assert.match(text, /Other options/);
  assert.match(
    text,
    /Can't use any of these\? Ask your IT help desk for a bypass code: tell them your username, alice, and that you can't use your second factor\./,
  );
});

it('where policy takes no bypass codes, "Other options" says to contact the help desk', async () => {
  const text = await secondFactorPage({
    default: { password: true, newUser: 'allow', secondFactors: ['passcode'] },
    groups: [],
  });
  assert.match(
    text,
    /Can't use any of these\? Contact your IT help desk: tell them your username, alice, and that you can't use your second factor\./,
  );
  assert.doesNotMatch(text, /bypass code/i);
});
