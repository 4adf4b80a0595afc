import { openStore } from '../../src/store/index.ts';
import type { LatchConfig } from '../../src/config/schema.ts';

// Child process for durability tests: opens the store given as JSON in argv[2], writes `count`
// (argv[3]) enrolled records, prints "written" and then idles until it is killed. Nothing is
// closed or flushed on purpose: the test SIGKILLs it, as a crash would.

const config = JSON.parse(process.argv[2] ?? '') as LatchConfig['store'];
const count = Number(process.argv[3] ?? 20);
const store = await openStore(config);
for (let i = 0; i < count; i++) {
  await store.set(`credential:${i}`, { user: `user${i}`, publicKey: `key-${i}`, signCount: i });
  await store.addToIndex('credentials:all', `credential:${i}`);
  await store.append('enrolments', { credential: i });
}
process.stdout.write('written\n');
setInterval(() => {}, 60_000);
