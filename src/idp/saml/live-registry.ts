import type { Logger } from 'pino';
import { spEntry, type SpDefaults } from '../../config/saml.ts';
import type { Unsubscribe } from '../../store/contract.ts';
import type { ManagedSp, ManagedSps } from './managed-sps.ts';
import { serviceProviderFromEntry, type ServiceProvider, type SpRegistry } from './registry.ts';

// The SPs Latch trusts, as the SAML endpoints ask for them: those from files and config (read at
// start, as before) and those added in the console (from the store). The console's are read
// again whenever a node announces a change, and every minute in case an announcement was missed
// (a Redis reconnect), so a new SP signs users in on every node at once. An SP from a file wins
// over a console SP with the same entity ID (the console refuses to add one; a file added later
// and a restart could still make one), and a console SP that no longer reads is skipped and logged.

/** How often the console's SPs are read even without an announcement. */
const RELOAD_EVERY_MS = 60_000;

export class LiveSpRegistry implements SpRegistry {
  private byId: Map<string, ServiceProvider>;
  private readonly listeners: Array<(sps: ServiceProvider[]) => void> = [];
  private unsubscribe: Unsubscribe | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly files: SpRegistry,
    private readonly managed: ManagedSps,
    private readonly defaults: SpDefaults,
    private readonly log: Logger,
  ) {
    this.byId = new Map(files.all().map((sp) => [sp.entityId, sp]));
  }

  get(entityId: string): ServiceProvider | undefined {
    return this.byId.get(entityId);
  }

  all(): ServiceProvider[] {
    return [...this.byId.values()];
  }

  /** Whether the SP with this entity ID comes from a file or the config (read-only in the console). */
  fromFiles(entityId: string): boolean {
    return this.files.get(entityId) !== undefined;
  }

  /** `listener` gets the console's SPs after every reload (policy layers follow them). */
  onReload(listener: (managed: ServiceProvider[]) => void): void {
    this.listeners.push(listener);
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.managed.onChange(() => void this.reload());
    this.timer = setInterval(() => void this.reload(), RELOAD_EVERY_MS);
    this.timer.unref();
    await this.reload();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.unsubscribe?.();
  }

  /** Reads the console's SPs again; calls that arrive during a reload are folded into one more. */
  reload(): Promise<void> {
    if (this.reloading) {
      this.again = true;
      return this.reloading;
    }
    this.reloading = this.readAll().finally(() => {
      this.reloading = undefined;
      if (this.again) {
        this.again = false;
        void this.reload();
      }
    });
    return this.reloading;
  }

  private async readAll(): Promise<void> {
    let list: ManagedSp[];
    try {
      list = await this.managed.list();
    } catch (err) {
      this.log.warn({ err }, 'SAML: the SPs added in the console could not be read; keeping the ones known');
      return;
    }
    const byId = new Map(this.files.all().map((sp) => [sp.entityId, sp]));
    const managed: ServiceProvider[] = [];
    for (const stored of list) {
      const sp = this.build(stored);
      if (!sp) continue;
      if (byId.has(sp.entityId)) {
        const file = byId.get(sp.entityId)!.source;
        this.log.warn(
          { key: stored.key, entityId: sp.entityId, file },
          'SAML: an SP added in the console has the entity ID of one from a file; that one is used',
        );
        continue;
      }
      byId.set(sp.entityId, sp);
      managed.push(sp);
    }
    this.byId = byId;
    for (const listener of this.listeners) listener(managed);
  }

  private build(stored: ManagedSp): ServiceProvider | undefined {
    try {
      const entry = spEntry.parse(stored.entry);
      return { ...serviceProviderFromEntry(`console ${stored.key}`, entry, this.defaults), managedKey: stored.key };
    } catch (err) {
      this.log.error({ err, key: stored.key }, 'SAML: an SP added in the console cannot be used');
      return undefined;
    }
  }
}
