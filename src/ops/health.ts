// Health: the process answers (/healthz), and it can serve sign-ins, i.e. the store and the
// directory answer (/readyz; a load balancer should send no users to a node that fails it).
// The routes are in src/http/ops-routes.ts; metrics in ./metrics.ts.

export interface Dependency {
  name: string;
  check(): Promise<void>;
}

const TIMEOUT_MS = 2000;

function withTimeout(check: Promise<void>): Promise<void> {
  return Promise.race([
    check,
    new Promise<void>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref(),
    ),
  ]);
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, 'ok' | 'unavailable'>;
  /** Why each unavailable dependency failed (for the log, not the answer). */
  errors: Record<string, string>;
}

/** Asks every dependency at once, each within TIMEOUT_MS. */
export async function readiness(dependencies: Dependency[]): Promise<Readiness> {
  const errors: Record<string, string> = {};
  const results = await Promise.all(
    dependencies.map(async (dep) => {
      try {
        await withTimeout(dep.check());
        return [dep.name, 'ok'] as const;
      } catch (err) {
        errors[dep.name] = (err as Error).message;
        return [dep.name, 'unavailable'] as const;
      }
    }),
  );
  return { ready: results.every(([, state]) => state === 'ok'), checks: Object.fromEntries(results), errors };
}
