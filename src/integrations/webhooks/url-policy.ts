import { BlockList, isIP } from 'node:net';

export interface UrlPolicy {
  /** Loopback, private and link-local targets are refused unless allowed (tests and on-premise set this). */
  allowPrivate: boolean;
  /** Origins of this server (host:port as clients reach it): a subscription must not call us. */
  selfHosts: readonly string[];
}

/** The policy from the configuration: ORDO_WEBHOOKS_ALLOW_PRIVATE, and ORDO_PUBLIC_URL as our own origin. */
export function urlPolicyFrom(opts: { allowPrivate: boolean; publicUrl?: string | undefined }): UrlPolicy {
  const selfHosts: string[] = [];
  if (opts.publicUrl) {
    try {
      selfHosts.push(new URL(opts.publicUrl).host.toLowerCase());
    } catch {
      /* ignored: not a URL */
    }
  }
  return { allowPrivate: opts.allowPrivate, selfHosts };
}

/**
 * Addresses no webhook may reach by default: loopback, private, link-local (cloud metadata),
 * CGNAT, unspecified, multicast and reserved; IPv6 loopback, unique-local and link-local. An
 * IPv4-mapped IPv6 address (::ffff:127.0.0.1, also written ::ffff:7f00:1) is judged as its IPv4.
 */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3], // multicast and reserved, up to 255.255.255.255
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv6');

/** An IP address (not a name) in a range no webhook may reach by default. */
export function isPrivateAddress(address: string): boolean {
  const version = isIP(address);
  return version === 0 ? false : PRIVATE.check(address, version === 4 ? 'ipv4' : 'ipv6');
}

export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal'))
    return true;
  return isPrivateAddress(host);
}

/**
 * Checks a subscription endpoint when it is saved; returns the reason it is refused, or null.
 * Hostnames are judged by name only here: the address a name resolves to is checked when the
 * worker connects (http-sender.ts), where DNS cannot change between the check and the connection.
 */
export function refuseUrl(raw: string, policy: UrlPolicy, requestHost?: string): string | null {
  if (raw.length > 2000) return 'the URL is longer than 2,000 characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'the URL is malformed';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return `only http and https URLs are allowed, not ${url.protocol.replace(':', '')}`;
  if (!url.hostname) return 'the URL has no host';
  if (url.username || url.password) return 'credentials in the URL are not allowed; verify our signature instead';
  if (pointsAtSelf(url, [...policy.selfHosts, ...(requestHost ? [requestHost.toLowerCase()] : [])]))
    return 'the URL points at this server';
  if (!policy.allowPrivate && isPrivateHost(url.hostname))
    return 'loopback, private and link-local addresses are not allowed';
  return null;
}

const isLoopback = (host: string) => {
  const text = host.replace(/^\[|\]$/g, '').toLowerCase();
  return text === 'localhost' || text === '::1' || text.startsWith('127.');
};

/** Same host and port as one of our own origins; any loopback name counts as the same machine. */
function pointsAtSelf(url: URL, selfHosts: readonly string[]): boolean {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return selfHosts.some((selfHost) => {
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(selfHost);
    if (!match) return false;
    const [, host, hostPort] = match;
    const samePort = (hostPort ?? (url.protocol === 'https:' ? '443' : '80')) === port;
    return samePort && (host === url.hostname.toLowerCase() || (isLoopback(host!) && isLoopback(url.hostname)));
  });
}
