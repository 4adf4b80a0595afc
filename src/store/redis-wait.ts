import { Cluster } from 'ioredis';
import type { RedisClient } from './redis-connect.ts';

// Redis replicates asynchronously: a write acknowledged by the primary can be lost when Sentinel
// promotes a replica that had not received it yet. For what a user enrolled, Latch waits (WAIT)
// until a replica has it before telling the user it is done. WAIT with no replica connected would
// block until its timeout, so the number of online replicas is read from INFO first (kept 5 s).

export class StoreReplicationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreReplicationError';
  }
}

const REPLICA_COUNT_TTL_MS = 5_000;

export class ReplicaWait {
  private replicas: { count: number; until: number } | undefined;

  constructor(
    private readonly client: RedisClient,
    private readonly timeoutMs: number,
  ) {
    // After a failover the client talks to another primary: count its replicas afresh.
    client.on('ready', () => (this.replicas = undefined));
  }

  /** Resolves once a replica has every write this connection made, or at once without replicas. */
  async confirm(): Promise<void> {
    // A Cluster spreads keys over several primaries, each with its own replication: WAIT would
    // have to go to the node of each key. Latch does not wait there (docs/cluster.md says so).
    if (this.client instanceof Cluster) return;
    const count = await this.replicaCount();
    if (count === 0) return;
    const acknowledged = Number(await this.client.call('WAIT', '1', String(this.timeoutMs)));
    if (acknowledged < 1) {
      this.replicas = undefined;
      throw new StoreReplicationError(
        `no Redis replica confirmed the write within ${this.timeoutMs} ms (the primary reports ${count}); ` +
          'it is on the primary only and could be lost at a failover',
      );
    }
  }

  close(): void {
    this.replicas = undefined;
  }

  private async replicaCount(): Promise<number> {
    const now = Date.now();
    if (this.replicas && this.replicas.until > now) return this.replicas.count;
    const info = String(await this.client.call('INFO', 'replication'));
    // Only replicas past their initial sync acknowledge (WAIT counts those).
    const count = (info.match(/^slave\d+:.*state=online/gm) ?? []).length;
    this.replicas = { count, until: now + REPLICA_COUNT_TTL_MS };
    return count;
  }
}
