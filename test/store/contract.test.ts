import { randomUUID } from 'node:crypto';
import { after } from 'mocha';
import { openStore } from '../../src/store/index.ts';
import { startRedis } from '../support/redis-server.ts';
import { storeContract } from '../support/store-contract.ts';

// The store contract (test/support/store-contract.ts) on a real Redis and a one-node Redis
// Cluster; SQLite runs it in src/store/contract.test.ts.

const redis = await startRedis();
after(() => redis.stop());
storeContract('redis', () =>
  openStore({ type: 'redis', sqlite: {}, redis: { url: redis.url, keyPrefix: `test-${randomUUID()}:` } }),
);

const cluster = await startRedis({ cluster: true });
after(() => cluster.stop());
storeContract(
  'redis',
  () =>
    openStore({
      type: 'redis',
      sqlite: {},
      redis: { cluster: [{ host: '127.0.0.1', port: cluster.port }], keyPrefix: `test-${randomUUID()}:` },
    }),
  'redis cluster (one node owning every slot)',
);
