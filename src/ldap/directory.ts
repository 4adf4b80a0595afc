import { AndFilter, InvalidCredentialsError, ResultCodeError, type Filter } from 'ldapts';
import type { LdapConfig } from '../config/ldap.ts';
import {
  checkSearchLimit,
  type BeforePasswordCheck,
  type Directory,
  type DirectoryUser,
  type PasswordCheck,
  type PasswordFailure,
  type UserQuery,
  type UserSearch,
  type UserSearchResult,
} from '../directory/contract.ts';
import { accountState, STATE_ATTRIBUTES } from './account-state.ts';
import { bindFailureReason } from './ad-errors.ts';
import { TransportError, type Entry, type LdapConnection } from './connection.ts';
import { firstBuffer, firstString, guidToBytes, guidToString, isBinary, strings } from './entry.ts';
import { normalizeDn } from './escape.ts';
import { anyAttributeEquals, attributeEquals, describeFilter, parseConfiguredFilter } from './filters.ts';
import { groupsOf, type Groups } from './groups.ts';
import type { LdapLog } from './log.ts';
import { ConnectionPool } from './pool.ts';
import type { ServerSet } from './servers.ts';
import { directGroups, groupDns, memberFilter, textFilter } from './user-search.ts';

// Active Directory / LDAP as Latch's Directory. Searches run on connections bound as the service
// account; password checks bind as the user on connections of a separate pool. A request that
// fails because a server broke or timed out is retried on the next server.

export interface LdapDirectoryParts {
  config: LdapConfig;
  servers: ServerSet;
  /** Service account name (DN or UPN) and password; anonymous searches when undefined. */
  service?: { name: string; password: string };
  log: LdapLog;
}

const MAX_LOGIN = 256;

interface Found {
  entry: Entry;
  user: DirectoryUser;
}

export class LdapDirectory implements Directory, UserSearch {
  readonly kind = 'ldap';
  private readonly searches: ConnectionPool;
  private readonly binds: ConnectionPool;
  private readonly userFilter: Filter;
  private readonly attributes: string[];
  private userBinds = 0;

  constructor(private readonly parts: LdapDirectoryParts) {
    const { config, servers, service } = parts;
    this.userFilter = parseConfiguredFilter(config.userFilter);
    const a = config.attributes;
    this.attributes = [
      ...new Set(
        [
          a.id,
          a.username,
          a.upn,
          a.email,
          a.displayName,
          a.groups,
          ...a.extra,
          ...STATE_ATTRIBUTES[config.flavor],
        ].filter((x): x is string => !!x),
      ),
    ];
    const pool = { size: config.pool.size, idleMs: config.pool.idle };
    this.searches = new ConnectionPool({
      ...pool,
      create: async () => {
        const connection = await servers.connect();
        if (service) await bindService(connection, service);
        return connection;
      },
    });
    this.binds = new ConnectionPool({ ...pool, create: () => servers.connect() });
  }

  async findUser(login: string): Promise<DirectoryUser | undefined> {
    return this.withState(await this.lookup(login));
  }

  /** Outside requiredGroup, disabled, locked or expired: no sign-in without a password bind either. */
  private withState(found: Found | undefined): DirectoryUser | undefined {
    if (!found) return undefined;
    const state = accountState(found.entry, this.parts.config.flavor);
    return state === 'usable' && this.permitted(found.user) ? found.user : { ...found.user, disabled: true };
  }

  async findUserById(id: string): Promise<DirectoryUser | undefined> {
    const attribute = this.parts.config.attributes.id;
    const value = isBinary(attribute) ? guidToBytes(id) : id;
    if (value === undefined || value.length === 0) return undefined;
    const found = await this.searchOne(attributeEquals(this.userFilter, attribute, value));
    return this.withState(found === 'several' ? undefined : found);
  }

  async verifyPassword(login: string, password: string, beforeCheck?: BeforePasswordCheck): Promise<PasswordCheck> {
    // Checked first: a DN with an empty password is an anonymous bind that many servers accept.
    if (password === '') return { ok: false, reason: 'empty-password' };
    let found: Found | undefined;
    try {
      found = await this.lookup(login);
    } catch (err) {
      return this.unavailable('user lookup failed', err);
    }
    const user = found && this.permitted(found.user) ? found.user : undefined;
    // Between the search and the bind: the caller learns the account without a search of its own.
    if (beforeCheck && (await beforeCheck(user)) === 'stop') return { ok: false, reason: 'not-checked' };
    if (!found) return { ok: false, reason: 'user-not-found', detail: 'no directory entry matches the login' };
    if (!user) {
      return {
        ok: false,
        reason: 'user-not-found',
        detail: `not a member of requiredGroup ${this.parts.config.requiredGroup}`,
      };
    }
    try {
      await this.withFailover(this.binds, (connection) => {
        this.userBinds++;
        return connection.bind(found.entry.dn, password);
      });
      return { ok: true, user: found.user };
    } catch (err) {
      if (err instanceof InvalidCredentialsError)
        return this.refused(bindFailureReason(err.message), found.entry.dn, err.message);
      return this.unavailable(`bind as ${found.entry.dn} failed`, err);
    }
  }

  /** The console's search (ldap/user-search.ts); each user with direct groups, its account state read. */
  async searchUsers(query: UserQuery): Promise<UserSearchResult> {
    const limit = checkSearchLimit(query.limit);
    const text = query.text?.trim() ?? '';
    if (text.length > MAX_LOGIN || /[\u0000-\u001f\u007f]/.test(text + (query.group ?? '')))
      return { users: [], more: false };
    const { config } = this.parts;
    return this.withFailover(this.searches, async (connection) => {
      const filters: Filter[] = [this.userFilter];
      if (text) filters.push(textFilter(config, text));
      if (query.group) {
        const dns = await groupDns(connection, query.group);
        if (dns.length === 0) return { users: [], more: false };
        filters.push(memberFilter(config, dns));
      }
      const entries = await this.searchBases(connection, new AndFilter({ filters }), { sizeLimit: limit + 1 });
      const users = entries.flatMap((entry) => this.listed(entry)).sort((a, b) => a.username.localeCompare(b.username));
      return { users: users.slice(0, limit), more: users.length > limit };
    });
  }

  /** Every user under the base DNs, a page of the server's at a time, on one connection. */
  async eachUserPage(onPage: (users: DirectoryUser[]) => Promise<void>): Promise<void> {
    const { config } = this.parts;
    await this.searches.use(async (connection) => {
      for (const base of config.baseDns) {
        const request = {
          base,
          scope: 'sub' as const,
          filter: this.userFilter,
          attributes: this.attributes,
          binary: this.attributes.filter(isBinary),
          pageSize: config.pageSize,
        };
        for await (const entries of connection.searchPages(request))
          await onPage(entries.flatMap((entry) => this.listed(entry)));
      }
    });
  }

  /** A search result: direct groups, and disabled when the directory says the account cannot sign in. */
  private listed(entry: Entry): DirectoryUser[] {
    const user = this.toUser(entry, directGroups(entry, this.parts.config));
    if (!user) return [];
    return [accountState(entry, this.parts.config.flavor) === 'usable' ? user : { ...user, disabled: true }];
  }

  async ping(): Promise<void> {
    await this.withFailover(this.searches, (c) =>
      c.search({ base: '', scope: 'base', filter: parseConfiguredFilter('(objectClass=*)'), attributes: ['1.1'] }),
    );
  }

  async close(): Promise<void> {
    await Promise.all([this.searches.close(), this.binds.close()]);
  }

  /** For /readyz, metrics and tests: pool use, servers, and how many user binds were sent. */
  stats() {
    return {
      userBinds: this.userBinds,
      searches: this.searches.stats(),
      binds: this.binds.stats(),
      servers: this.parts.servers.status(),
    };
  }

  /** The login attributes in order; the first that matches exactly one entry wins. */
  private async lookup(login: string): Promise<Found | undefined> {
    // Control characters are never part of a name; AD would also cut "alice\0" to "alice",
    // giving one account many spellings (and per-login throttles a way around).
    if (login === '' || login.length > MAX_LOGIN || /[\u0000-\u001f\u007f]/.test(login)) return undefined;
    const attributes = this.parts.config.loginAttributes;
    if (attributes.length > 1) {
      // One search for all of them: a single entry found is what the attributes in order would
      // find (each finds it or nothing), so only when several match between them are they asked
      // one by one, which tells which attribute matches which entry.
      const any = await this.searchOne(anyAttributeEquals(this.userFilter, attributes, login), false);
      if (any !== 'several') return any;
    }
    for (const attribute of attributes) {
      const found = await this.searchOne(attributeEquals(this.userFilter, attribute, login));
      if (found && found !== 'several') return found;
    }
    return undefined;
  }

  /**
   * Users' entries matching `filter` under every base DN, with the attributes Latch reads. The
   * base DNs are searched at once on the one connection (LDAP answers by message id): one round
   * trip, however many there are.
   */
  private async searchBases(
    connection: LdapConnection,
    filter: Filter,
    limits: { sizeLimit?: number; pageSize?: number },
  ): Promise<Entry[]> {
    const binary = this.attributes.filter(isBinary);
    const found = await Promise.all(
      this.parts.config.baseDns.map((base) =>
        connection.search({ base, scope: 'sub', filter, attributes: this.attributes, binary, ...limits }),
      ),
    );
    return found.flat();
  }

  /**
   * The one entry matching a login filter, with its groups; 'several' when more than one matches
   * (refused, and logged when `warn`). Two entries tell that, so the server returns at most two
   * per base DN, unpaged.
   */
  private async searchOne(filter: Filter, warn = true): Promise<Found | 'several' | undefined> {
    const { config, log } = this.parts;
    return this.withFailover(this.searches, async (connection) => {
      const entries = await this.searchBases(connection, filter, { sizeLimit: 2 });
      if (entries.length > 1) {
        if (warn)
          log.warn(
            { filter: describeFilter(filter), dns: entries.map((e) => e.dn) },
            'ldap: more than one entry matches a login; refusing it',
          );
        return 'several';
      }
      const [entry] = entries;
      if (!entry) return undefined;
      const groups = await groupsOf(connection, entry, {
        flavor: config.flavor,
        nested: config.nestedGroups,
        attribute: config.attributes.groups,
        baseDns: config.baseDns,
        pageSize: config.pageSize,
      });
      const user = this.toUser(entry, groups);
      return user && { entry, user };
    });
  }

  private toUser(entry: Entry, groups: Groups): DirectoryUser | undefined {
    const a = this.parts.config.attributes;
    const guid = isBinary(a.id) ? firstBuffer(entry, a.id) : undefined;
    const id = guid ? guidToString(guid) : firstString(entry, a.id);
    const username = firstString(entry, a.username);
    if (!id || !username) {
      this.parts.log.warn(
        { dn: entry.dn, missing: !id ? a.id : a.username },
        'ldap: entry lacks the id or username attribute; ignoring it',
      );
      return undefined;
    }
    const attributes: Record<string, string | string[]> = { dn: entry.dn, groupDns: groups.dns };
    for (const name of a.extra) attributes[name] = strings(entry, name);
    return {
      id,
      username,
      upn: a.upn ? firstString(entry, a.upn) : undefined,
      email: firstString(entry, a.email),
      displayName: firstString(entry, a.displayName),
      groups: groups.names,
      attributes,
    };
  }

  private permitted(user: DirectoryUser): boolean {
    const required = this.parts.config.requiredGroup;
    if (!required) return true;
    if (required.includes('=')) {
      const wanted = normalizeDn(required);
      return (user.attributes.groupDns as string[]).some((dn) => normalizeDn(dn) === wanted);
    }
    return user.groups.some((g) => g.toLowerCase() === required.toLowerCase());
  }

  /** Runs fn; when its server broke or timed out, marks it down and tries the next server. */
  private async withFailover<T>(pool: ConnectionPool, fn: (c: LdapConnection) => Promise<T>): Promise<T> {
    const attempts = this.parts.servers.servers.length + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await pool.use(fn);
      } catch (err) {
        if (!(err instanceof TransportError) || err.url === undefined || attempt >= attempts) throw err;
        this.parts.servers.markDown(err.url, err.message);
        this.searches.dropServer(err.url);
        this.binds.dropServer(err.url);
      }
    }
  }

  private refused(reason: PasswordFailure, dn: string, message: string): PasswordCheck {
    this.parts.log.debug({ dn, reason }, 'ldap: bind refused');
    return { ok: false, reason, detail: message };
  }

  private unavailable(what: string, err: unknown): PasswordCheck {
    const detail = `${what}: ${err instanceof ResultCodeError ? `${err.name} (${err.code}) ${err.message}` : (err as Error).message}`;
    this.parts.log.error({ err: detail }, 'ldap: directory unavailable');
    return { ok: false, reason: 'directory-unavailable', detail };
  }
}

async function bindService(connection: LdapConnection, service: { name: string; password: string }): Promise<void> {
  try {
    await connection.bind(service.name, service.password);
  } catch (err) {
    await connection.close();
    if (err instanceof InvalidCredentialsError)
      throw new Error(`the service account ${service.name} cannot bind: ${err.message}`);
    throw err;
  }
}
