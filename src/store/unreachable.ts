// Whether an error means the shared store could not be reached (down, failing over, answering as
// a read-only replica) rather than a mistake in a request or in Latch. A person can act on the
// first (wait a moment and try again), so the HTTP layer answers it as 503 with those words
// instead of "something went wrong"; app.ts hands this test to it (http/ does not import store/).

/** Thrown by a backend that lost its server (the PostgreSQL store wraps its socket errors in it). */
export class StoreUnreachableError extends Error {}

/** ioredis's refusals while its server is gone or is a replica (Sentinel promoting another). */
const REDIS_UNREACHABLE = /^(Connection is closed|Stream isn't writeable|READONLY |LOADING )/;

export function storeUnreachable(err: unknown): boolean {
  for (let cause = err, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    if (cause instanceof StoreUnreachableError || cause.name === 'MaxRetriesPerRequestError') return true;
    if (REDIS_UNREACHABLE.test(cause.message)) return true;
  }
  return false;
}
