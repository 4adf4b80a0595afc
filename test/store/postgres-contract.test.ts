import { randomBytes } from 'node:crypto';
import { after } from 'mocha';
import { openStore } from '../../src/store/index.ts';
import { startPostgres } from '../support/postgres-server.ts';
import { storeContract } from '../support/store-contract.ts';

// The store contract (test/support/store-contract.ts) on a real PostgreSQL server, each test in a
// schema of its own; SQLite and Redis run the same suite.

const server = await startPostgres();
after(() => server.stop());
storeContract('postgres', () =>
  openStore({
    type: 'postgres',
    sqlite: {},
    redis: { keyPrefix: '' },
    postgres: { url: server.url, schema: `t_${randomBytes(6).toString('hex')}`, poolSize: 25, connectTimeout: 5000 },
  }),
);
