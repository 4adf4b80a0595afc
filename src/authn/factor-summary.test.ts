import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'mocha';
import type { Store } from '../store/contract.ts';
import { tempSqliteStore } from '../../test/support/sqlite-store.ts';
import { FactorSummary, type EnrolmentCount } from './factor-summary.ts';

// The summary's own promise, under interleavings the module tests (src/methods/factor-summary.test.ts)
// cannot force: whatever order a removal's recount and an enrolment land in, the summary never
// ends up saying "has none" while an authenticator is there (that would skip the second factor).

const USER = 'user-1';
let store: Store;
let close: () => Promise<void>;

beforeEach(async () => ({ store, close } = await tempSqliteStore()));
afterEach(() => close());

it('a removal that counted before an enrolment landed cannot write "has none" over it', async () => {
  const summary = new FactorSummary(store);
  let authenticators = 1; // the method's own records, as its count reads them
  const count: EnrolmentCount = async () => authenticators > 0;
  assert.deepEqual([...(await summary.enrolled(USER, new Map([['app', count]])))], ['app']);

  // The user removes their only app: the removal's recount reads the summary and counts none...
  authenticators = 0;
  let resume!: () => void;
  const paused = new Promise<void>((resolve) => (resume = resolve));
  const slowCount: EnrolmentCount = async () => {
    const has = authenticators > 0;
    await paused;
    return has;
  };
  const removal = summary.changed(USER, 'app', slowCount);
  await new Promise((resolve) => setImmediate(resolve));
  // ...while, before it writes, an enrolment of a new app is marked, written and recounted.
  await summary.add(USER, 'app', count, async () => void (authenticators = 1));
  resume();
  await removal;

  const enrolled = await summary.enrolled(USER, new Map([['app', count]]));
  assert.deepEqual([...enrolled], ['app'], 'the new app is still counted');
});

it('an enrolment marked while a removal counts is counted after both', async () => {
  const summary = new FactorSummary(store);
  let authenticators = 1;
  const count: EnrolmentCount = async () => authenticators > 0;
  await summary.enrolled(USER, new Map([['app', count]]));

  authenticators = 0;
  let resume!: () => void;
  const paused = new Promise<void>((resolve) => (resume = resolve));
  const removal = summary.changed(USER, 'app', async () => {
    const has = authenticators > 0;
    await paused;
    return has;
  });
  await new Promise((resolve) => setImmediate(resolve));
  // The enrolment is marked and written; its recount runs after the removal's write.
  await summary.adding(USER, 'app');
  authenticators = 1;
  resume();
  await removal;
  await summary.changed(USER, 'app', count);

  assert.deepEqual([...(await summary.enrolled(USER, new Map([['app', count]])))], ['app']);
});
