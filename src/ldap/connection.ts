import net from 'node:net';
import tls from 'node:tls';
import { Client, ResultCodeError, type Filter } from 'ldapts';

// One LDAP connection to one server: our small interface over ldapts. Two things ldapts does that
// Latch must not: it reconnects transparently when a socket drops (which after StartTLS would
// send the next bind in clear text, and after a bind would run on an anonymous session), and it
// treats some bind names as SASL mechanisms. So a connection here is one socket for its lifetime:
// once it drops, it is dead and the pool throws it away.

export interface ServerOptions {
  url: string;
  starttls: boolean;
  /** CA, verification, servername: used for ldaps:// and for StartTLS. */
  tls: tls.ConnectionOptions;
  connectTimeout: number;
  operationTimeout: number;
}

export interface SearchRequest {
  base: string;
  scope: 'base' | 'one' | 'sub';
  filter: Filter;
  attributes: string[];
  /** Attributes returned as bytes (objectGUID). */
  binary?: string[];
  /** Page size; unpaged when unset (base-scope reads). */
  pageSize?: number;
  /** At most this many entries (unpaged): a search that finds more returns these, not an error. */
  sizeLimit?: number;
}

export type EntryValue = string | string[] | Buffer | Buffer[];
export interface Entry {
  dn: string;
  [attribute: string]: EntryValue;
}

/** The directory did not answer in time, or the connection broke: try another server. */
export class TransportError extends Error {
  override name = 'TransportError';
  /** The server that failed, when one is to blame (not when none could be reached). */
  url?: string;
}

function transportError(url: string, message: string, cause?: unknown): TransportError {
  const err = new TransportError(`${url}: ${message}`, { cause });
  err.url = url;
  return err;
}

export class LdapConnection {
  private sockets = 0;
  private readonly client: Client;

  constructor(readonly server: ServerOptions) {
    const secure = /^ldaps:/i.test(server.url);
    this.client = new Client({
      url: server.url,
      timeout: server.operationTimeout,
      connectTimeout: server.connectTimeout,
      // Only for ldaps://: ldapts treats any tlsOptions as "connect with TLS", which would break StartTLS.
      tlsOptions: secure ? server.tls : undefined,
      createConnection: ((...args: Parameters<typeof net.connect>) =>
        this.once(() => net.connect(...args))) as typeof net.connect,
      createSecureConnection: ((...args: Parameters<typeof tls.connect>) =>
        this.once(() => tls.connect(...args), args.length === 1)) as typeof tls.connect,
    });
  }

  /** Opens the socket (and upgrades it with StartTLS) within connectTimeout + operationTimeout. */
  async open(): Promise<void> {
    const budget = this.server.connectTimeout + this.server.operationTimeout;
    await withTimeout(this.openNow(), budget, transportError(this.server.url, `no answer within ${budget} ms`), () =>
      this.destroy(),
    );
  }

  private async openNow(): Promise<void> {
    if (this.server.starttls) {
      const { hostname } = new URL(this.server.url);
      await this.run(() => this.client.startTLS({ ...this.server.tls, host: hostname.replace(/^\[|\]$/g, '') }));
    } else {
      // Any request opens the socket; reading the root DSE's "1.1" (no attributes) is the cheapest.
      await this.run(() => this.client.search('', { scope: 'base', attributes: ['1.1'] }));
    }
  }

  get alive(): boolean {
    return this.sockets === 1 && this.client.isConnected;
  }

  /** Simple bind. Throws ResultCodeError (e.g. InvalidCredentialsError) or TransportError. */
  async bind(dn: string, password: string): Promise<void> {
    if (/^[A-Z0-9-]+$/.test(dn))
      throw new Error(`refusing to bind as ${JSON.stringify(dn)}: not a DN or user@domain name`);
    await this.run(() => this.client.bind(dn, password));
  }

  /** Search; paged when pageSize is set; search references (other partitions) are ignored. */
  async search(request: SearchRequest): Promise<Entry[]> {
    const result = await this.run(() =>
      this.client.search(request.base, {
        scope: request.scope,
        filter: request.filter,
        attributes: request.attributes,
        explicitBufferAttributes: request.binary ?? [],
        paged: request.pageSize && !request.sizeLimit ? { pageSize: request.pageSize } : false,
        ...(request.sizeLimit ? { sizeLimit: request.sizeLimit } : {}),
      }),
    );
    return result.searchEntries as Entry[];
  }

  /** A paged search, one page of entries at a time (a large export never holds them all). */
  async *searchPages(request: SearchRequest & { pageSize: number }): AsyncIterable<Entry[]> {
    const pages = this.client.searchPaginated(request.base, {
      scope: request.scope,
      filter: request.filter,
      attributes: request.attributes,
      explicitBufferAttributes: request.binary ?? [],
      paged: { pageSize: request.pageSize },
    });
    const iterator = pages[Symbol.asyncIterator]();
    for (;;) {
      const next = await this.run(() => iterator.next());
      if (next.done) return;
      yield next.value.searchEntries as Entry[];
    }
  }

  async close(): Promise<void> {
    if (!this.client.isConnected) return;
    try {
      await this.client.unbind();
    } catch {
      this.destroy();
    }
  }

  private destroy(): void {
    this.sockets = Infinity;
    void this.client.unbind().catch(() => undefined);
  }

  /** Runs one request on the live socket; anything but an LDAP result code is a TransportError. */
  private async run<T>(request: () => Promise<T>): Promise<T> {
    if (this.sockets > 0 && !this.alive) throw transportError(this.server.url, 'connection closed');
    try {
      return await request();
    } catch (err) {
      if (err instanceof ResultCodeError) throw err;
      throw transportError(this.server.url, (err as Error).message, err);
    }
  }

  /** Lets ldapts create one socket (plus the StartTLS upgrade of it), never a replacement. */
  private once<T extends net.Socket>(create: () => T, isUpgrade = false): T {
    if (isUpgrade && this.server.starttls && this.sockets === 1) return create();
    if (this.sockets > 0) throw new Error('connection lost (not reconnecting)');
    this.sockets = 1;
    return create();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, error: TransportError, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(error);
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
