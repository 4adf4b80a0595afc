import { TransportError, type LdapConnection } from './connection.ts';

// A bounded pool of open connections. Latch keeps two: one bound as the service account for
// searches, one for users' password binds (so a user's bind never changes the identity that
// searches run as). At most `size` connections exist at once; callers beyond that wait in line.
// Connections idle for longer than `idleMs` are closed; dead ones are dropped when seen.

export interface PoolOptions {
  size: number;
  idleMs: number;
  /** Opens a ready-to-use connection (connected, upgraded, bound as needed). */
  create: () => Promise<LdapConnection>;
}

interface Idle {
  connection: LdapConnection;
  since: number;
}

export class ConnectionPool {
  private readonly idle: Idle[] = [];
  private readonly waiting: (() => void)[] = [];
  private inUse = 0;
  private closed = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: PoolOptions) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, options.idleMs / 2));
    this.sweeper.unref();
  }

  /** Runs fn on a pooled connection. A TransportError closes that connection instead of reusing it. */
  async use<T>(fn: (connection: LdapConnection) => Promise<T>): Promise<T> {
    const connection = await this.acquire();
    let reusable = true;
    try {
      return await fn(connection);
    } catch (err) {
      if (err instanceof TransportError) reusable = false;
      throw err;
    } finally {
      this.release(connection, reusable);
    }
  }

  /** Closes idle connections to a server that stopped answering. */
  dropServer(url: string): void {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      if (this.idle[i]!.connection.server.url === url)
        void this.idle
          .splice(i, 1)[0]!
          .connection.close()
          .catch(() => undefined);
    }
  }

  stats(): { size: number; inUse: number; idle: number; waiting: number } {
    return { size: this.options.size, inUse: this.inUse, idle: this.idle.length, waiting: this.waiting.length };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const idle = this.idle.splice(0);
    await Promise.all(idle.map((i) => i.connection.close().catch(() => undefined)));
  }

  private async acquire(): Promise<LdapConnection> {
    if (this.closed) throw new TransportError('directory closed');
    while (this.inUse >= this.options.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inUse++;
    while (this.idle.length > 0) {
      const { connection } = this.idle.pop()!;
      if (connection.alive) return connection;
      void connection.close().catch(() => undefined);
    }
    try {
      return await this.options.create();
    } catch (err) {
      this.inUse--;
      this.waiting.shift()?.();
      throw err;
    }
  }

  private release(connection: LdapConnection, reusable: boolean): void {
    this.inUse--;
    if (reusable && connection.alive && !this.closed) this.idle.push({ connection, since: Date.now() });
    else void connection.close().catch(() => undefined);
    this.waiting.shift()?.();
  }

  private sweep(): void {
    const cutoff = Date.now() - this.options.idleMs;
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const { connection, since } = this.idle[i]!;
      if (since < cutoff || !connection.alive) {
        this.idle.splice(i, 1);
        void connection.close().catch(() => undefined);
      }
    }
  }
}
