import { oidcClient, type OidcClientConfig } from '../../config/oidc.ts';
import type { SecretBox } from '../../keys/secret-box.ts';
import type { Json, Store, Unsubscribe } from '../../store/contract.ts';
import { records } from '../../store/records.ts';
import type { AdapterPayload, OidcAdapter } from './adapter.ts';
import { clientMetadata } from './clients.ts';

// OpenID Connect clients added in the operators' console, kept in the store so every node serves
// them at once. oidc-provider looks up clients it was not configured with through its adapter's
// "Client" model; here that reads the console's clients from the store on each lookup, so a new,
// changed or removed client takes effect on every node with no cache to go stale (oidc-provider
// keeps one Client object per distinct registration). The registration has the shape of an entry
// of oidc.clients and is read by the same schema; the secret, which oidc-provider must compare,
// is sealed at rest under the server secret and shown to the operator only when it is made.

// A type, not an interface, so that it is assignable to the store's Json.
export type ManagedClient = {
  /** The registration as an entry of oidc.clients would hold it, without a secret. */
  registration: { [field: string]: Json };
  /** The client secret, sealed (keys/secret-box.ts); null for a public client. */
  secret: string | null;
  createdAt: number;
  updatedAt: number;
  secretRotatedAt: number | null;
  updatedBy: string;
};

const clients = records.oidcManagedClient.holding<ManagedClient>();
const changes = records.oidcClientChanges.holding<{ clientId: string }>();

/** What the secret is sealed for: it cannot be moved to another client's record. */
const sealedFor = (clientId: string) => `oidc-client:${clientId}`;

export class ManagedClients {
  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
  ) {}

  async list(): Promise<Array<{ clientId: string; client: ManagedClient }>> {
    const ids = await records.oidcManagedClients.list(this.store);
    const found = await Promise.all(
      ids.map(async (clientId) => ({ clientId, client: await clients.get(this.store, clientId) })),
    );
    return found.flatMap(({ clientId, client }) => (client ? [{ clientId, client }] : []));
  }

  get(clientId: string): Promise<ManagedClient | undefined> {
    return clients.get(this.store, clientId);
  }

  /** The registration with its secret opened, as oidc.clients would have it; undefined when unknown or unreadable. */
  async config(clientId: string): Promise<OidcClientConfig | undefined> {
    const stored = await this.get(clientId);
    if (!stored) return undefined;
    const secret = stored.secret === null ? {} : { client_secret: this.box.open(stored.secret, sealedFor(clientId)) };
    const parsed = oidcClient.safeParse({ ...stored.registration, ...secret });
    return parsed.success ? parsed.data : undefined;
  }

  /** Seals a new secret for the client (shown once by the caller). */
  seal(clientId: string, secret: string): string {
    return this.box.seal(secret, sealedFor(clientId));
  }

  /** False when a client with this id exists already. */
  async create(clientId: string, client: ManagedClient): Promise<boolean> {
    if (!(await clients.createIfAbsent(this.store, clientId, client))) return false;
    await records.oidcManagedClients.add(this.store, clientId);
    await this.announce(clientId);
    return true;
  }

  async replace(clientId: string, client: ManagedClient): Promise<void> {
    await clients.set(this.store, clientId, client);
    await this.announce(clientId);
  }

  async remove(clientId: string): Promise<ManagedClient | undefined> {
    const removed = await clients.take(this.store, clientId);
    await records.oidcManagedClients.remove(this.store, clientId);
    if (removed) await this.announce(clientId);
    return removed;
  }

  onChange(listener: () => void): Promise<Unsubscribe> {
    return changes.subscribe(this.store, () => listener());
  }

  /** oidc-provider's "Client" storage: the console's clients, read-only. */
  adapter(): OidcAdapter {
    const readOnly = async () => {
      throw new Error('clients are added in the console, not through oidc-provider');
    };
    return {
      find: async (id) => {
        const config = await this.config(id);
        return config && (clientMetadata(config, -1) as AdapterPayload);
      },
      upsert: readOnly,
      findByUid: async () => undefined,
      findByUserCode: async () => undefined,
      consume: readOnly,
      destroy: readOnly,
      revokeByGrantId: async () => undefined,
    };
  }

  private announce(clientId: string): Promise<void> {
    return changes.publish(this.store, { clientId });
  }
}
