// Preloaded into every test process by scripts/test.sh. better-sqlite3 12 on Node 24 can abort
// ("RemoveEnvironmentCleanupHook: Assertion (env) != nullptr") when V8 finalizes its objects.
// While running, the store keeps every statement referenced (src/store/sqlite.ts); at exit, Node
// frees the environment and would finalize them all, and the test runner would then report a
// passing file as failed. Once the tests are done, exit with their code straight after every other 'exit'
// listener has run, skipping that teardown. The server itself exits through process.exit on
// SIGTERM, which does not free the environment either.
type Exiting = NodeJS.Process & { reallyExit(code: number): never };

process.once('beforeExit', () => {
  // Added now, after the test runner's own listeners, so it runs last.
  process.on('exit', (code) => (process as Exiting).reallyExit(code));
});
