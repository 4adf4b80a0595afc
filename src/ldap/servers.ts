import { LdapConnection, TransportError, type ServerOptions } from './connection.ts';

// The configured directory servers, tried in order. A server that fails to connect or answer is
// skipped for a while (`retryAfter`) so that sign-ins go straight to the next one instead of
// waiting for its timeout every time; when every server is marked down, all are tried again.

export interface ServerEvents {
  down(url: string, error: string): void;
  up(url: string): void;
}

export class ServerSet {
  private readonly downUntil = new Map<string, number>();

  constructor(
    readonly servers: ServerOptions[],
    private readonly events: ServerEvents,
    private readonly retryAfter = 30_000,
  ) {}

  /** An open connection to the first server that answers. Throws TransportError when none does. */
  async connect(): Promise<LdapConnection> {
    const now = Date.now();
    const up = this.servers.filter((s) => (this.downUntil.get(s.url) ?? 0) <= now);
    const order = up.length > 0 ? [...up, ...this.servers.filter((s) => !up.includes(s))] : this.servers;
    const errors: string[] = [];
    for (const server of order) {
      const connection = new LdapConnection(server);
      try {
        await connection.open();
        this.markUp(server.url);
        return connection;
      } catch (err) {
        await connection.close().catch(() => undefined);
        if (!(err instanceof TransportError)) throw err;
        this.markDown(server.url, err.message);
        errors.push(err.message);
      }
    }
    throw new TransportError(`no directory server answered: ${errors.join('; ')}`);
  }

  /** Called when a request on an open connection to this server timed out or broke. */
  markDown(url: string, error: string): void {
    if (!this.downUntil.has(url)) this.events.down(url, error);
    this.downUntil.set(url, Date.now() + this.retryAfter);
  }

  private markUp(url: string): void {
    if (this.downUntil.delete(url)) this.events.up(url);
  }

  /** For /readyz and logs: which servers are currently skipped. */
  status(): { url: string; up: boolean }[] {
    const now = Date.now();
    return this.servers.map((s) => ({ url: s.url, up: (this.downUntil.get(s.url) ?? 0) <= now }));
  }
}
