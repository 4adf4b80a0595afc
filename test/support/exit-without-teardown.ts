// Preloaded into every test process by scripts/test.sh. better-sqlite3 12 on Node 24 can abort
// ("RemoveEnvironmentCleanupHook: Assertion (env) != nullptr") when Node frees the environment
// at exit and garbage-collects already-closed statements; the test runner then reports a passing
// file as failed. Once the tests are done, exit with their code straight after every other 'exit'
// listener has run, skipping that teardown. The server itself exits through process.exit on
// SIGTERM, which does not free the environment either.
type Exiting = NodeJS.Process & { reallyExit(code: number): never };

process.once('beforeExit', () => {
  // Added now, after the test runner's own listeners, so it runs last.
  process.on('exit', (code) => (process as Exiting).reallyExit(code));
});
