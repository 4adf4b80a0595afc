import type { Store } from '../../../store/contract.ts';
import { records } from '../../../store/records.ts';
import { randomId, sha256 } from '../../../util/random.ts';

// Authorization codes of the Universal Prompt: random, stored only as a hash, for 60 seconds, and
// taken (read and deleted in one step) by the first /token request that presents them.

export type UniversalCode = {
  clientId: string;
  redirectUri: string;
  username: string;
  nonce?: string;
  authTime: number;
  methods: string[];
  amr: string[];
  txId: string;
};

const codes = records.universalPromptCode.holding<UniversalCode>();
const LIFETIME_MS = 60_000;

export async function issueCode(store: Store, value: UniversalCode): Promise<string> {
  const code = randomId();
  await codes.set(store, sha256(code), value, { ttlMs: LIFETIME_MS });
  return code;
}

export async function takeCode(store: Store, code: string): Promise<UniversalCode | undefined> {
  return /^[A-Za-z0-9_-]{43}$/.test(code) ? codes.take(store, sha256(code)) : undefined;
}
