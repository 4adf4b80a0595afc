import type { Json, Store, Unsubscribe } from '../../store/contract.ts';
import { records } from '../../store/records.ts';

// SAML service providers added in the operators' console, kept in the store so that every node
// trusts them at once, without a restart. Each holds an entry of the very shape an operator
// writes under saml.serviceProviders.<key> (its metadata inline, or the entity ID and endpoints
// by hand, and the SP's options), read by the same schema and the same code (registry.ts). A
// change is announced on a channel; every node's LiveSpRegistry reloads them all.

// A type, not an interface, so that it is assignable to the store's Json.
export type ManagedSp = {
  key: string;
  /** The entry as saml.serviceProviders.<key> would hold it (validated by config/saml.ts' spEntry). */
  entry: { [field: string]: Json };
  /** The URL the metadata was fetched from, when it was (the console can fetch it again). */
  metadataUrl: string | null;
  createdAt: number;
  updatedAt: number;
  /** Who made the last change, for the console ("alice", "token ci-deploy"). */
  updatedBy: string;
};

const sps = records.samlManagedSp.holding<ManagedSp>();
const changes = records.samlSpChanges.holding<{ key: string }>();

export class ManagedSps {
  constructor(private readonly store: Store) {}

  async list(): Promise<ManagedSp[]> {
    const keys = await records.samlManagedSps.list(this.store);
    const found = await Promise.all(keys.map((key) => sps.get(this.store, key)));
    return found.filter((sp): sp is ManagedSp => sp !== undefined);
  }

  get(key: string): Promise<ManagedSp | undefined> {
    return sps.get(this.store, key);
  }

  /** False when an SP with this key exists already. */
  async create(sp: ManagedSp): Promise<boolean> {
    if (!(await sps.createIfAbsent(this.store, sp.key, sp))) return false;
    await records.samlManagedSps.add(this.store, sp.key);
    await this.announce(sp.key);
    return true;
  }

  async replace(sp: ManagedSp): Promise<void> {
    await sps.set(this.store, sp.key, sp);
    await this.announce(sp.key);
  }

  async remove(key: string): Promise<ManagedSp | undefined> {
    const removed = await sps.take(this.store, key);
    await records.samlManagedSps.remove(this.store, key);
    if (removed) await this.announce(key);
    return removed;
  }

  /** Called on every node (this one included) when any SP was added, changed or removed. */
  onChange(listener: () => void): Promise<Unsubscribe> {
    return changes.subscribe(this.store, () => listener());
  }

  private announce(key: string): Promise<void> {
    return changes.publish(this.store, { key });
  }
}
