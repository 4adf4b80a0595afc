import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'mocha';
import { storeContract } from '../../test/support/store-contract.ts';
import { openStore } from './index.ts';

// The store contract (test/support/store-contract.ts) on the embedded backend; Redis and Redis
// Cluster run it in test/store/contract.test.ts.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'latch-store-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
storeContract('sqlite', () =>
  openStore({ type: 'sqlite', sqlite: { file: path.join(tmp, `${randomUUID()}.sqlite`) }, redis: { keyPrefix: '' } }),
);
