import { randomBytes } from 'node:crypto';
import type { Store } from '../store/contract.ts';
import { records } from '../store/records.ts';

// The key behind cookie MACs and CSRF tokens. It lives in the store, created once by whichever
// node starts first, so every node behind a load balancer accepts the others' cookies.
const serverSecret = records.serverSecret.holding<string>();

export async function loadServerSecret(store: Store): Promise<Buffer> {
  await serverSecret.createIfAbsent(store, randomBytes(32).toString('base64url'));
  const value = await serverSecret.get(store);
  if (!value) throw new Error('the server secret could not be read back from the store');
  return Buffer.from(value, 'base64url');
}
