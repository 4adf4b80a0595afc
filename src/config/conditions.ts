import proxyaddr from 'proxy-addr';
import { z } from 'zod';

// Conditions of a sign-in that policy can act on, besides who the user is: the network and country
// the request comes from, whether that address is on an anonymous-network list, and the browser
// and operating system. The named address lists and the data behind countries and anonymous
// networks are configured once, at the top level; each policy layer says what to do about them.
// Evaluation lives in src/authn/conditions.ts.

/** What a condition does to a sign-in; the strictest of all that apply wins. */
export const CONDITION_ACTIONS = ['allow', 'allow-without-2fa', 'require-2fa', 'deny'] as const;
export type ConditionAction = (typeof CONDITION_ACTIONS)[number];
const action = z.enum(CONDITION_ACTIONS);

/** proxy-addr (Latch's trusted-proxy matcher, which conditions use too) takes it. */
function compiles(text: string): boolean {
  try {
    proxyaddr.compile([text]);
    return true;
  } catch {
    return false;
  }
}

/** An IPv4 or IPv6 address, or a CIDR range of either. */
const addressOrRange = z
  .string()
  .refine(
    (text) => /^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(text) && compiles(text),
    'expected an IPv4 or IPv6 address or CIDR range, such as "192.0.2.0/24" or "2001:db8::/32"',
  );

/** Named address lists that policy refers to: `networks: { office: [192.0.2.0/24, 2001:db8:1::/48] }`. */
export const networksConfig = z.record(
  z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected a lowercase name such as "office-vpn"'),
  z.array(addressOrRange).min(1),
);

/** Where countries and anonymous networks come from. */
export const locationsConfig = z.strictObject({
  /** A MaxMind-format country database of your own (GeoLite2-Country, …); unset, the one Latch ships. */
  countryDatabase: z.string().min(1).optional(),
  /** A file of addresses and ranges, one a line (# comments): Tor exits, VPN ranges; re-read when it changes. */
  anonymousNetworks: z.string().min(1).optional(),
});

/** An ISO 3166-1 alpha-2 code, or "EU" for the member states of the European Union. */
const country = z.string().regex(/^[A-Z]{2}$/, 'expected a two-letter country code such as "DE", or "EU"');

const networkRules = z.strictObject({
  /** First match wins: a named list from `networks` and what to do for addresses in it. */
  rules: z.array(z.strictObject({ network: z.string().min(1), action })).default([]),
  /** For addresses in none of the rules' networks ("deny from every other network"); default allow. */
  otherwise: action.optional(),
});

const countryRules = z.strictObject({
  rules: z.array(z.strictObject({ countries: z.array(country).min(1), action })).default([]),
  /** For a country in none of the rules; default allow. */
  otherwise: action.optional(),
  /** For an address the database has no country for (private ranges, gaps); default: `otherwise`. */
  unknown: action.optional(),
});

/** Browser families and systems, by the names Latch reports them in (user-agent.ts). */
export const BROWSER_FAMILIES = ['chrome', 'edge', 'firefox', 'safari', 'opera', 'samsung', 'ie'] as const;
export const OS_FAMILIES = ['windows', 'macos', 'ios', 'android', 'linux', 'chromeos'] as const;
const version = z.union([z.number(), z.string().regex(/^\d+(\.\d+)*$/)]).transform(String);

const browserRules = z.strictObject({
  /** Lowest version allowed per browser family, e.g. { chrome: 131, firefox: 133, safari: "18.2" }. */
  minimum: z.partialRecord(z.enum(BROWSER_FAMILIES), version).optional(),
  /** Lowest version per operating system, e.g. { windows: 10, macos: 13, android: 12 }. */
  os: z.partialRecord(z.enum(OS_FAMILIES), version).optional(),
  /** Browser families refused outright, e.g. [ie]. */
  block: z.array(z.enum(BROWSER_FAMILIES)).optional(),
  /** deny (the default) refuses the sign-in; warn lets it through and tells the user to update. */
  action: z.enum(['deny', 'warn']).optional(),
});

/** The condition keys of a policy layer. */
export const conditionKeys = {
  networks: networkRules.optional(),
  countries: countryRules.optional(),
  /** What to do for an address on the anonymous-network list (locations.anonymousNetworks). */
  anonymousNetworks: z.enum(['allow', 'require-2fa', 'deny']).optional(),
  browsers: browserRules.optional(),
};

export type NetworkRules = z.infer<typeof networkRules>;
export type CountryRules = z.infer<typeof countryRules>;
export type BrowserRules = z.infer<typeof browserRules>;
export type BrowserFamily = (typeof BROWSER_FAMILIES)[number];
export type OsFamily = (typeof OS_FAMILIES)[number];
