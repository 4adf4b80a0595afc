import fs from 'node:fs';
import pg from 'pg';
import type { Logger } from 'pino';
import { StoreUnreachableError } from './unreachable.ts';

// Connections to PostgreSQL for the store. `store.postgres.url` may name several hosts, as libpq
// does (postgres://latch@db1:5432,db2:5432/latch): Latch uses the one that accepts writes (not in
// recovery), and looks again when it loses it, so after a replica is promoted every node finds
// the new primary by itself. One host is simply used.

export interface PostgresSettings {
  url: string;
  passwordFile?: string;
  poolSize: number;
  connectTimeoutMs: number;
}

export interface Endpoint {
  host: string;
  port: number;
}

export interface ParsedUrl {
  endpoints: Endpoint[];
  user?: string;
  password?: string;
  database: string;
  ssl: boolean;
}

/** Splits a postgres:// URL that may list several host:port pairs. */
export function parsePostgresUrl(url: string): ParsedUrl {
  const match = /^postgres(?:ql)?:\/\/(?:([^@/]*)@)?([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/.exec(url);
  if (!match)
    throw new Error(
      `store.postgres.url: expected postgres://[user[:password]@]host[:port][,host[:port]...]/database, got "${redact(url)}"`,
    );
  const [, credentials, hostList, dbPath, search] = match;
  const endpoints = hostList!.split(',').map((part) => {
    const hostPort = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(part);
    if (!hostPort) throw new Error(`store.postgres.url: bad host "${part}" (expected host or host:port)`);
    return { host: hostPort[1]!.replace(/^\[|\]$/g, ''), port: Number(hostPort[2] ?? 5432) };
  });
  const [user, password] = (credentials ?? '').split(':').map((s) => (s ? decodeURIComponent(s) : undefined));
  const params = new URLSearchParams(search ?? '');
  const database = decodeURIComponent((dbPath ?? '/').slice(1)) || user || 'postgres';
  const sslmode = params.get('sslmode');
  return { endpoints, user, password, database, ssl: sslmode !== null && sslmode !== 'disable' };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** None of the URL's hosts is a primary that answers (all down, or a failover in progress). */
export class NoPrimaryError extends StoreUnreachableError {}

/** Errors after which the current host may no longer be the primary: look again. */
export function lostPrimary(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string')
    return err instanceof Error && /Connection terminated|not queryable|timeout/i.test(err.message);
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '25006'].includes(
      code,
    ) || code.startsWith('08')
  );
}

/** A pool on the current primary, replaced when the primary changes. */
export class PrimaryPool {
  private readonly parsed: ParsedUrl;
  private readonly password: string | undefined;
  private current: { pool: pg.Pool; endpoint: Endpoint } | undefined;
  private locating: Promise<{ pool: pg.Pool; endpoint: Endpoint }> | undefined;
  private closed = false;

  constructor(
    private readonly settings: PostgresSettings,
    private readonly log?: Logger,
  ) {
    this.parsed = parsePostgresUrl(settings.url);
    this.password = readPassword(settings.passwordFile) ?? this.parsed.password;
  }

  /** Where the pool points now (for logs and tests). */
  get endpoint(): Endpoint | undefined {
    return this.current?.endpoint;
  }

  /** Client options for one host (also used by the LISTEN connection). */
  clientConfig(endpoint: Endpoint): pg.ClientConfig {
    return {
      host: endpoint.host,
      port: endpoint.port,
      user: this.parsed.user,
      password: this.password,
      database: this.parsed.database,
      ssl: this.parsed.ssl,
      connectionTimeoutMillis: this.settings.connectTimeoutMs,
      application_name: 'latch',
    };
  }

  async pool(): Promise<pg.Pool> {
    if (this.closed) throw new Error('the PostgreSQL store is closed');
    if (this.current) return this.current.pool;
    this.locating ??= this.locate().finally(() => (this.locating = undefined));
    return (await this.locating).pool;
  }

  /** The primary's endpoint (locating it if needed). */
  async primary(): Promise<Endpoint> {
    await this.pool();
    return this.current!.endpoint;
  }

  /** Called after an error that may mean the primary is gone: the next query looks again. */
  forget(err: unknown): void {
    if (!this.current || !lostPrimary(err)) return;
    const { pool, endpoint } = this.current;
    this.current = undefined;
    this.log?.warn(
      { err, host: endpoint.host, port: endpoint.port },
      'lost the PostgreSQL primary; looking for it again',
    );
    void pool.end().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    const current = this.current;
    this.current = undefined;
    if (current) await current.pool.end();
  }

  private async locate(): Promise<{ pool: pg.Pool; endpoint: Endpoint }> {
    const problems: string[] = [];
    for (const endpoint of this.parsed.endpoints) {
      try {
        if (this.parsed.endpoints.length > 1 && !(await this.acceptsWrites(endpoint))) {
          problems.push(`${endpoint.host}:${endpoint.port} is a standby (in recovery)`);
          continue;
        }
        const pool = new pg.Pool({
          ...this.clientConfig(endpoint),
          max: this.settings.poolSize,
          idleTimeoutMillis: 30_000,
        });
        pool.on('error', (err) => this.forget(err)); // an idle client lost its server
        if (this.closed) {
          await pool.end();
          throw new Error('the PostgreSQL store is closed');
        }
        this.current = { pool, endpoint };
        return this.current;
      } catch (err) {
        problems.push(`${endpoint.host}:${endpoint.port}: ${(err as Error).message}`);
      }
    }
    throw new NoPrimaryError(`no PostgreSQL primary that accepts writes: ${problems.join('; ')}`);
  }

  private async acceptsWrites(endpoint: Endpoint): Promise<boolean> {
    const client = new pg.Client(this.clientConfig(endpoint));
    await client.connect();
    try {
      const { rows } = await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
      return rows[0]?.standby === false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

function readPassword(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new Error(`store.postgres.passwordFile: cannot read "${file}" (${(err as Error).message})`, { cause: err });
  }
}
