import { isIP } from 'node:net';

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

/** IPv4 ranges no webhook may reach by default: loopback, private, link-local (cloud metadata), CGNAT, unspecified. */
function isPrivateV4(ip: string): boolean {
  const [firstOctet, secondOctet] = ip.split('.').map(Number) as [number, number];
  return (
    firstOctet === 127 ||
    firstOctet === 10 ||
    firstOctet === 0 ||
    (firstOctet === 172 && secondOctet >= 16 && secondOctet <= 31) ||
    (firstOctet === 192 && secondOctet === 168) ||
    (firstOctet === 169 && secondOctet === 254) ||
    (firstOctet === 100 && secondOctet >= 64 && secondOctet <= 127)
  );
}

function isPrivateV6(ip: string): boolean {
  const text = ip.toLowerCase();
  if (text === '::1' || text === '::') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (mapped) return isPrivateV4(mapped[1]!);
  return /^f[cd]/.test(text) || /^fe[89ab]/.test(text);
}

export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal'))
    return true;
  const ipVersion = isIP(host);
  if (ipVersion === 4) return isPrivateV4(host);
  if (ipVersion === 6) return isPrivateV6(host);
  return false;
}

/**
 * Checks a subscription endpoint; returns the reason it is refused, or null. Hostnames are
 * judged by name only here (a DNS name that resolves to a private address is not caught:
 * put an egress proxy in front of the workers for that).
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
