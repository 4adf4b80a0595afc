import type { Logger } from 'pino';
import { policyConfig, policyLayer } from '../config/policy.ts';
import type { Json, Store, Unsubscribe } from '../store/contract.ts';
import { records } from '../store/records.ts';
import type { ConsoleLayers, PolicyResolver } from './policy.ts';

// What the operators' console sets for every application: a global layer over policy.default,
// and the organisation-wide passwordless switch (only an owner may change it). Kept in the store,
// so every node applies a change at once: the writer announces it, every node reads it again
// into its PolicyResolver (and once a minute in case an announcement was lost). The layer is
// kept as the operator typed it (durations as "30d") and read by the config file's schema.

// A type, not an interface, so that it is assignable to the store's Json.
export type ConsolePolicy = {
  /** The global layer as typed (config/policy.ts' policyLayer reads it); null: none. */
  default: { [key: string]: Json } | null;
  /**
   * Layers for members of a group, as typed (each a policy layer with `group`), applied after the
   * file's policy.groups; absent in records written before there were any.
   */
  groups?: Array<{ [key: string]: Json }>;
  /** Passwordless sign-in for the organisation: "allowed" (layers decide, as config/default.yaml) or "off". */
  passwordless: 'allowed' | 'off';
  updatedAt: number;
  updatedBy: string;
};

const stored = records.consolePolicy.holding<ConsolePolicy>();
const changes = records.consolePolicyChanges.holding<Record<string, never>>();

/** Before any change: no console layer, and passwordless as the config file has it. */
export const UNCHANGED: ConsolePolicy = { default: null, passwordless: 'allowed', updatedAt: 0, updatedBy: '' };

export class ConsolePolicyStore {
  constructor(private readonly store: Store) {}

  async get(): Promise<ConsolePolicy> {
    return (await stored.get(this.store)) ?? UNCHANGED;
  }

  async set(policy: ConsolePolicy): Promise<void> {
    await stored.set(this.store, policy);
    await changes.publish(this.store, {});
  }

  onChange(listener: () => void): Promise<Unsubscribe> {
    return changes.subscribe(this.store, () => listener());
  }
}

/** The stored form as the resolver applies it; a layer that no longer reads is left out (and logged). */
export function consoleLayers(policy: ConsolePolicy, log?: Logger): ConsoleLayers {
  const parsed = policy.default === null ? undefined : policyLayer.safeParse(policy.default);
  if (parsed && !parsed.success)
    log?.error({ issues: parsed.error.issues }, "policy: the console's global layer cannot be read; it is not applied");
  const groups = policyConfig.shape.groups.safeParse(policy.groups ?? []);
  if (!groups.success)
    log?.error(
      { issues: groups.error.issues },
      "policy: the console's group layers cannot be read; they are not applied",
    );
  return {
    ...(parsed?.success ? { default: parsed.data } : {}),
    groups: groups.success ? groups.data : [],
    passwordlessAllowed: policy.passwordless === 'allowed',
  };
}

export interface FollowedPolicy {
  /** Reads the console's policy again now (the node that changed it does not wait for the announcement). */
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

/** Keeps a node's resolver in step with the console's policy. */
export async function followConsolePolicy(
  policies: PolicyResolver,
  console: ConsolePolicyStore,
  log: Logger,
): Promise<FollowedPolicy> {
  const read = async () => {
    try {
      policies.setConsole(consoleLayers(await console.get(), log));
    } catch (err) {
      log.warn({ err }, "policy: the console's policy could not be read; keeping the one known");
    }
  };
  const unsubscribe = await console.onChange(() => void read());
  const timer = setInterval(() => void read(), 60_000);
  timer.unref();
  await read();
  return {
    refresh: read,
    async stop() {
      clearInterval(timer);
      await unsubscribe();
    },
  };
}
