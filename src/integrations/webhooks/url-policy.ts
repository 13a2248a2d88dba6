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
    try { selfHosts.push(new URL(opts.publicUrl).host.toLowerCase()); } catch { /* ignored: not a URL */ }
  }
  return { allowPrivate: opts.allowPrivate, selfHosts };
}

/** IPv4 ranges no webhook may reach by default: loopback, private, link-local (cloud metadata), CGNAT, unspecified. */
function isPrivateV4(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  return a === 127 || a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)
    || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
}

function isPrivateV6(ip: string): boolean {
  const x = ip.toLowerCase();
  if (x === '::1' || x === '::') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(x);
  if (mapped) return isPrivateV4(mapped[1]!);
  return /^f[cd]/.test(x) || /^fe[89ab]/.test(x);
}

export function isPrivateHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.local') || h.endsWith('.internal')) return true;
  const v = isIP(h);
  if (v === 4) return isPrivateV4(h);
  if (v === 6) return isPrivateV6(h);
  return false;
}

/**
 * Checks a subscription endpoint; returns the reason it is refused, or null. Hostnames are
 * judged by name only here (a DNS name that resolves to a private address is not caught:
 * put an egress proxy in front of the workers for that).
 */
export function refuseUrl(raw: string, policy: UrlPolicy, requestHost?: string): string | null {
  if (raw.length > 2000) return 'the URL is longer than 2,000 characters';
  let u: URL;
  try { u = new URL(raw); } catch { return 'the URL is malformed'; }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `only http and https URLs are allowed, not ${u.protocol.replace(':', '')}`;
  if (!u.hostname) return 'the URL has no host';
  if (u.username || u.password) return 'credentials in the URL are not allowed; verify our signature instead';
  if (pointsAtSelf(u, [...policy.selfHosts, ...(requestHost ? [requestHost.toLowerCase()] : [])])) return 'the URL points at this server';
  if (!policy.allowPrivate && isPrivateHost(u.hostname)) return 'loopback, private and link-local addresses are not allowed';
  return null;
}

const isLoopback = (h: string) => {
  const x = h.replace(/^\[|\]$/g, '').toLowerCase();
  return x === 'localhost' || x === '::1' || x.startsWith('127.');
};

/** Same host and port as one of our own origins; any loopback name counts as the same machine. */
function pointsAtSelf(u: URL, selfHosts: readonly string[]): boolean {
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return selfHosts.some((s) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(s);
    if (!m) return false;
    const [, h, p] = m;
    const samePort = (p ?? (u.protocol === 'https:' ? '443' : '80')) === port;
    return samePort && (h === u.hostname.toLowerCase() || (isLoopback(h!) && isLoopback(u.hostname)));
  });
}
