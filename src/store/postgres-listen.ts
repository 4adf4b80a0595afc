import pg from 'pg';
import type { Logger } from 'pino';
import type { Json } from './contract.ts';
import { decode } from './common.ts';
import type { PrimaryPool } from './postgres-connect.ts';

// Publish/subscribe over LISTEN/NOTIFY. Every store channel travels on one PostgreSQL channel
// per schema, as {"c": channel, "m": message}; one connection listens for the whole node and
// reconnects (to the new primary, after a failover) by itself. A message published while a node
// was disconnected is not delivered to it: whoever needs it also re-reads the store.

/** NOTIFY payloads are at most 8000 bytes. */
export const MAX_PAYLOAD_BYTES = 7_999;

type Handler = (channel: string, message: Json) => void;

export class Listener {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly primary: PrimaryPool,
    /** The PostgreSQL channel (an identifier). */
    readonly channel: string,
    private readonly deliver: Handler,
    private readonly log?: Logger,
  ) {}

  /** Resolves once this node listens (so a message published after it is received). */
  async ready(): Promise<void> {
    if (this.client) return;
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    await this.connecting;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<pg.Client> {
    const endpoint = await this.primary.primary();
    const client = new pg.Client(this.primary.clientConfig(endpoint));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('the LISTEN connection ended')));
    client.on('notification', (note) => this.receive(note.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (err) {
      this.primary.forget(err);
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      throw new Error('the PostgreSQL store is closed');
    }
    this.client = client;
    return client;
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    this.primary.forget(Object.assign(err, { code: (err as { code?: string }).code ?? 'ECONNRESET' }));
    this.log?.warn({ err }, 'PostgreSQL LISTEN connection lost; reconnecting');
    this.reconnectSoon();
  }

  private reconnectSoon(): void {
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.ready().catch((err: Error) => {
        this.log?.warn({ err }, 'PostgreSQL LISTEN reconnect failed; trying again');
        this.reconnectSoon();
      });
    }, 500);
    this.retry.unref();
  }

  private receive(payload: string | undefined): void {
    let envelope: { c?: unknown; m?: Json };
    try {
      envelope = decode(payload ?? 'null') as { c?: unknown; m?: Json };
    } catch (err) {
      this.log?.warn({ err }, 'ignored a notification that is not JSON');
      return;
    }
    if (typeof envelope?.c !== 'string') return;
    this.deliver(envelope.c, envelope.m ?? null);
  }
}
