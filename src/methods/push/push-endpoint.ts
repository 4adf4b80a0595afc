import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

// Where Latch may send Web Push. The endpoint URL comes from a user's device, so without a check
// Latch would post to any address the user names, inside the network included (SSRF). An endpoint
// must be https, on a host of a known push service (push.webPush.allowedHosts: a name and its
// subdomains), and every address its name resolves to must be public. The check runs when the
// device registers and again before every send (DNS may answer differently by then), and the
// sender connects to the address that was checked.

/** How Latch reaches push services. Production uses DNS and public addresses only. */
export type PushNetwork = {
  /** Every address of a host name. */
  resolve(host: string): Promise<string[]>;
  /** Whether Latch may connect to this address. Tests of delivery let their loopback stand-in through. */
  permits?(address: string): boolean;
};

export type CheckedEndpoint =
  | { ok: true; url: URL; host: string; address: string }
  /** `message` is for the device (it names the field); `reason` is for the log and never holds the URL's path. */
  | { ok: false; message: string; reason: string };

const NON_PUBLIC_V4: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];
// IPv6: only global unicast (2000::/3) is public, minus these special ranges.
const NON_PUBLIC_V6: Array<[string, number]> = [
  ['2001::', 23], // IETF protocol assignments (Teredo, benchmarking, ORCHID)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: carries any IPv4 address, private ones included
  ['3fff::', 20], // documentation
];

function blockList(ranges: Array<[string, number]>, type: 'ipv4' | 'ipv6'): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of ranges) list.addSubnet(network, prefix, type);
  return list;
}

const nonPublicV4 = blockList(NON_PUBLIC_V4, 'ipv4');
const nonPublicV6 = blockList(NON_PUBLIC_V6, 'ipv6');
const globalUnicastV6 = blockList([['2000::', 3]], 'ipv6');
// IPv6 forms that carry an IPv4 address: mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d).
const carriesV4 = blockList(
  [
    ['::ffff:0:0', 96],
    ['64:ff9b::', 96],
  ],
  'ipv6',
);

/** The IPv4 address inside a mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address. */
function embeddedV4(address: string): string {
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address)?.[1];
  if (dotted) return dotted;
  const groups = address.split(':');
  const [high, low] = [groups.at(-2), groups.at(-1)].map((g) => parseInt(g || '0', 16)) as [number, number];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** Whether an address is public unicast: not loopback, private, link-local, unique-local, multicast, reserved… */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !nonPublicV4.check(address, 'ipv4');
  if (family !== 6 || address.includes('%')) return false;
  if (carriesV4.check(address, 'ipv6')) return isPublicAddress(embeddedV4(address));
  return globalUnicastV6.check(address, 'ipv6') && !nonPublicV6.check(address, 'ipv6');
}

/** A host and its subdomains: `push.apple.com` allows `web.push.apple.com`, not `evilpush.apple.com`. */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((suffix) => host === suffix || host.endsWith(`.${suffix}`));
}

const refuse = (message: string, reason: string): CheckedEndpoint => ({
  ok: false,
  message: `endpoint: ${message}`,
  reason,
});

const systemDns: PushNetwork = {
  async resolve(host) {
    return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  },
};

export class PushEndpoints {
  private readonly permits: (address: string) => boolean;

  constructor(
    private readonly allowedHosts: readonly string[],
    private readonly network: PushNetwork = systemDns,
  ) {
    this.permits = network.permits ?? isPublicAddress;
  }

  /** Checks an endpoint and resolves its host; a good one comes with the address to connect to. */
  async check(endpoint: string): Promise<CheckedEndpoint> {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return refuse('not a URL.', 'the endpoint is not a URL');
    }
    const host = url.hostname
      .replace(/^\[(.*)\]$/, '$1')
      .replace(/\.$/, '')
      .toLowerCase();
    if (url.protocol !== 'https:')
      return refuse('Web Push goes only to https:// URLs.', `${url.protocol} endpoint on ${host}`);
    if (url.username || url.password) {
      return refuse('a push service URL carries no user name or password.', `credentials in the URL for ${host}`);
    }
    if (isIP(host)) {
      const inside = isPublicAddress(host) ? '' : ', which is not a public address';
      return refuse('an IP address is not a push service.', `endpoint is the IP address ${host}${inside}`);
    }
    if (!hostAllowed(host, this.allowedHosts)) {
      const listed = `${host} is not under push.webPush.allowedHosts (${this.allowedHosts.join(', ')})`;
      return refuse(`${host} is not one of the push services Latch sends to.`, listed);
    }
    return this.resolved(url, host);
  }

  /** Every address of the host must be one Latch may reach (DNS may list a private one among public ones). */
  private async resolved(url: URL, host: string): Promise<CheckedEndpoint> {
    let addresses: string[];
    try {
      addresses = await this.network.resolve(host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      return refuse(`${host} could not be resolved.`, `${host} could not be resolved (${code})`);
    }
    if (addresses.length === 0) return refuse(`${host} could not be resolved.`, `${host} has no addresses`);
    const inside = addresses.filter((a) => !this.permits(a));
    if (inside.length > 0) {
      return refuse(
        `${host} is not a public address.`,
        `${host} resolves to ${inside.join(', ')}, not a public address`,
      );
    }
    return { ok: true, url, host, address: addresses[0]! };
  }
}
