import assert from 'node:assert/strict';
import { it } from 'mocha';
import { StoreUnreachableError, storeUnreachable } from './unreachable.ts';

// The real outages (PostgreSQL's primary killed, redis-server killed) are in test/store/postgres.test.ts
// and test/foundation/metrics-health.test.ts; here, what must not be taken for one.

it('an ordinary error, a refusal or a non-error is not an unreachable store', () => {
  assert.equal(storeUnreachable(new Error('boom')), false);
  assert.equal(storeUnreachable(new TypeError('cannot increment "x": it does not hold a number')), false);
  assert.equal(storeUnreachable(new Error('ERR wrong number of arguments')), false);
  assert.equal(storeUnreachable('Connection is closed.'), false);
  assert.equal(storeUnreachable(undefined), false);
});

it('an unreachable store is recognised through the causes that wrap it', () => {
  const lost = new StoreUnreachableError('PostgreSQL: Connection terminated unexpectedly');
  assert.equal(storeUnreachable(new Error('could not sign in', { cause: lost })), true);
  const redis = new Error("READONLY You can't write against a read only replica.");
  assert.equal(storeUnreachable(new Error('wrapped', { cause: redis })), true);
});
