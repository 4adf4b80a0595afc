import { randomBytes } from 'node:crypto';
import type { Store } from '../store/contract.ts';

// The key behind cookie MACs and CSRF tokens. It lives in the store, created once by whichever
// node starts first, so every node behind a load balancer accepts the others' cookies.
const KEY = 'secret:server';

export async function loadServerSecret(store: Store): Promise<Buffer> {
  await store.createIfAbsent(KEY, randomBytes(32).toString('base64url'));
  const value = await store.get<string>(KEY);
  if (!value) throw new Error('the server secret could not be read back from the store');
  return Buffer.from(value, 'base64url');
}
