import type { Store } from '../../store/contract.ts';
import { records } from '../../store/records.ts';
import { sha256 } from '../../util/random.ts';
import type { ApiCall } from './caller.ts';
import { ApiFailure } from './failure.ts';

// A signed request that acts (auth, enroll) is accepted once: its signature is remembered for as
// long as its date is acceptable (twice the clock window), so a captured request replayed within
// the window sends no second push and tries no code again. Requests that only read (preauth,
// auth_status) may repeat: identical polls within one second are normal.

const seen = records.authApiSignatureSeen.holding<true>();

export async function acceptOnce(store: Store, call: ApiCall, clockSkewMs: number): Promise<void> {
  const key = { ikey: call.integration.ikey, signatureHash: sha256(call.signature) };
  if (!(await seen.createIfAbsent(store, key, true, { ttlMs: 2 * clockSkewMs }))) {
    throw new ApiFailure(
      40103,
      'Invalid signature in request credentials',
      'this signed request was already used (replayed); sign each request anew',
    );
  }
}
